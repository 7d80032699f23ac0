import { Button } from '@mantine/core';
import { EmptyState } from '../components/ui.tsx';
import { useLink } from '../router.tsx';

export function NotFound() {
  const link = useLink();
  return (
    <EmptyState title="Page not found">
      <Button component="a" variant="light" mt="md" {...link('/projects')}>
        Go to projects
      </Button>
    </EmptyState>
  );
}
