import '@mantine/core/styles.css';
import './app.css';
import { createRoot } from 'react-dom/client';
import { StrictMode } from 'react';
import { App } from './App.tsx';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
