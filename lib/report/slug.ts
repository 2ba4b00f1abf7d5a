/** A file-name-safe form of a label: `DETR (R50) #2` → `detr-r50-2`. */
export function slug(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}
