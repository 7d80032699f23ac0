import { Notification, Stack } from '@mantine/core';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

type Kind = 'success' | 'error' | 'info';
interface Toast {
  id: number;
  kind: Kind;
  message: string;
}

const NotifyContext = createContext<((kind: Kind, message: string) => void) | null>(null);

export function NotifyProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const notify = useCallback((kind: Kind, message: string) => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-3), { id, kind, message }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  const value = useMemo(() => notify, [notify]);
  return (
    <NotifyContext.Provider value={value}>
      {children}
      <Stack gap="xs" pos="fixed" bottom={16} right={16} style={{ zIndex: 1000, maxWidth: 'calc(100vw - 32px)', width: 380 }} aria-live="polite">
        {toasts.map((t) => (
          <Notification key={t.id} color={t.kind === 'success' ? 'teal' : t.kind === 'error' ? 'red' : 'blue'} onClose={() => setToasts((all) => all.filter((x) => x.id !== t.id))} withBorder>
            {t.message}
          </Notification>
        ))}
      </Stack>
    </NotifyContext.Provider>
  );
}

export function useNotify() {
  const n = useContext(NotifyContext);
  if (!n) throw new Error('useNotify outside <NotifyProvider>');
  return n;
}
