// Lazy import of optional peer dependencies. The specifier is a runtime string, so TypeScript
// needs no type declarations for the package and the module comes back as `unknown`, to be
// narrowed by the caller.

export type ModuleImporter = (specifier: string) => Promise<unknown>;

export const dynamicImport: ModuleImporter = (specifier) => import(specifier);

export type OptionalImport = { readonly ok: true; readonly module: unknown } | { readonly ok: false; readonly reason: string };

/** Import `specifier`; a missing package is `not installed`, any other failure `failed to load: <error>`. */
export async function importOptional(specifier: string, importer: ModuleImporter = dynamicImport): Promise<OptionalImport> {
  try {
    return { ok: true, module: await importer(specifier) };
  } catch (error) {
    return { ok: false, reason: isNotInstalled(error, specifier) ? 'not installed' : `failed to load: ${errorMessage(error)}` };
  }
}

function isNotInstalled(error: unknown, specifier: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? error.code : undefined;
  // A missing dependency *of* the package also raises ERR_MODULE_NOT_FOUND: only the package's own
  // name in the message means the package itself is absent.
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && error.message.includes(`'${specifier}'`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
