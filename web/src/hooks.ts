import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

// Load something from the API when `deps` change; stale answers are dropped.
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctrl.signal)
      .then((d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
      })
      .catch((e) => {
        if (ctrl.signal.aborted) return;
        setError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: unknown;
  setError: (error: unknown) => void;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
}

// Busy and error state around something the person asked for; `run` says whether it worked.
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// A field of a loaded item, as the person edits it. When the item reloads (after saving another field), the
// field shows the new value only if the person has not changed it, so saving one field never discards another.
export function useEdited<T>(saved: T | undefined, initial: T) {
  const [value, setValue] = useState<T>(initial);
  const shown = useRef<T | undefined>(undefined);
  useEffect(() => {
    if (saved === undefined) return;
    const prev = shown.current;
    shown.current = saved;
    setValue((v) => (prev === undefined || same(v, prev) ? saved : v));
  }, [saved]);
  return [value, setValue] as const;
}

export interface Paging {
  page: number;
  setPage: (page: number) => void;
  pageSize: number;
  // The page as the API's list endpoints take it.
  query: { pageIndex: number; pageSize: number };
}

// The page of a paged list being shown, `pageSize` items a page; back to the first page whenever a filter changes.
export function usePaging(pageSize: number, filters: unknown[]): Paging {
  const [page, setPage] = useState(1);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setPage(1), filters);
  return { page, setPage, pageSize, query: { pageIndex: page - 1, pageSize } };
}

// A search box's text, and the same text trimmed once typing pauses (what to send to the API).
export function useSearchText() {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  return [search, setSearch, debounced] as const;
}
