/** The process environment (or `.env` with the environment over it), as every factory reads it. */
export type Env = Readonly<Record<string, string | undefined>>;
