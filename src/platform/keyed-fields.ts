// What creating a keyed, named resource (an environment, a flag, a segment) takes from its input alike, and
// what a taken key answers.
import { BadRequest, BusinessRule, isUniqueViolation } from './errors.ts';

/** A name is stored trimmed and may not be blank (400 name_is_required). */
export function requiredName(value: string): string {
  const v = value.trim();
  if (!v) throw new BadRequest('name_is_required');
  return v;
}

/** A new resource's key as given, its required name, and its description ('' when left out). */
export const keyedFields = (input: { key: string; name: string; description?: string }) => ({ key: input.key, name: requiredName(input.name), description: input.description ?? '' });

/** A taken key answers FeatBit's 422 KeyHasBeenUsed (CreateProject.cs, CreateEnvironment.cs, CreateFeatureFlag, CreateSegment); any other error passes on. */
export function keyTaken(err: unknown): never {
  if (isUniqueViolation(err)) throw new BusinessRule('KeyHasBeenUsed');
  throw err;
}
