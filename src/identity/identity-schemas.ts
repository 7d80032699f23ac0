// TypeBox building blocks of accounts: the password rule (emails are platform/schemas.ts's Email).
import { Type } from '../platform/schemas.ts';

export const Password = Type.String({ minLength: 8, maxLength: 256 });
