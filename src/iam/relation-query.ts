// The query of a relation listing (a group's members, a member's groups, …) as FeatBit names its fields: each
// listing of members, of policies or of groups takes the same one, wherever it hangs.
import { PageQuery, Type } from '../platform/schemas.ts';
import { pageRequest } from '../platform/org-route.ts';
import type { RelationFilter } from './iam-store.ts';

export const SearchText = Type.Optional(Type.String({ maxLength: 256 }));
const All = Type.Optional(Type.Boolean());

export const MembersQuery = Type.Object({ searchText: SearchText, getAllMembers: All, ...PageQuery });
export const PoliciesQuery = Type.Object({ name: SearchText, getAllPolicies: All, ...PageQuery });
export const GroupsQuery = Type.Object({ name: SearchText, getAllGroups: All, ...PageQuery });

/** A blank text is no filter; without getAll… only the related rows are listed. */
export const relationFilter = (text: string | undefined, all: boolean | undefined, page: { pageIndex?: number; pageSize?: number }): RelationFilter => ({
  text: text?.trim() || undefined,
  all: all ?? false,
  ...pageRequest(page),
});
