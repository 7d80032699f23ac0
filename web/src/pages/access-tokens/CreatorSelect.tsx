import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { get, type Page } from '../../api/client.ts';
import type { Member } from '../../api/types.ts';

export interface Person {
  id: string;
  name: string;
  email: string | null;
}

// Searchable creator filter. With CanManageIAM it searches the organization's
// members; without it, it offers the people already seen as token creators.
export function CreatorSelect({ value, onChange, canSearchMembers, known }: { value: string | null; onChange: (v: string | null) => void; canSearchMembers: boolean; known: Person[] }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [found, setFound] = useState<Person[]>([]);

  useEffect(() => {
    if (!canSearchMembers) return;
    const ctrl = new AbortController();
    get<Page<Member>>('/members', { searchText: debounced, pageIndex: 0, pageSize: 20 }, ctrl.signal)
      .then((p) => setFound(p.items))
      .catch(() => setFound([]));
    return () => ctrl.abort();
  }, [debounced, canSearchMembers]);

  const data = useMemo(() => {
    const byId = new Map<string, Person>();
    for (const p of [...known, ...found]) byId.set(p.id, p);
    return [...byId.values()].map((p) => ({ value: p.id, label: p.name || p.email || p.id }));
  }, [known, found]);

  return (
    <Select
      aria-label="Created by"
      placeholder="Created by anyone"
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage="No one found"
      w={{ base: '100%', xs: 200 }}
    />
  );
}
