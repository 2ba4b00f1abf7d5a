// COCO category ids ↔ training labels. COCO ids are not contiguous (1..90 with gaps for 80
// classes); 'contiguous' maps them, in ascending id order, to labels 0..K-1 (K = numClasses).
// 'category-id' keeps the raw id as the label as DETR does (its num_classes = max id + 1 = 91 on
// COCO, so its official checkpoints' class heads line up).
import type { CocoCategory } from './coco-format.js';

export type LabelMode = 'contiguous' | 'category-id';

export interface CategoryMap {
  readonly mode: LabelMode;
  /** Category ids in ascending order; in 'contiguous' mode label i is categoryIds[i]. */
  readonly categoryIds: readonly number[];
  /** Category name by id. */
  readonly names: ReadonlyMap<number, string>;
  /** Number of object classes the classifier needs (excluding DETR's extra no-object class). */
  readonly numClasses: number;
}

export function categoryMap(categories: readonly CocoCategory[], mode: LabelMode = 'contiguous'): CategoryMap {
  const categoryIds = categories.map((c) => c.id).sort((a, b) => a - b);
  const numClasses = mode === 'contiguous' ? categoryIds.length : (categoryIds[categoryIds.length - 1] ?? -1) + 1;
  return { mode, categoryIds, names: new Map(categories.map((c) => [c.id, c.name])), numClasses };
}

/** The training label of a category id; throws for an id the map does not know. */
export function labelOf(map: CategoryMap, categoryId: number): number {
  const label = map.mode === 'contiguous' ? map.categoryIds.indexOf(categoryId) : map.names.has(categoryId) ? categoryId : -1;
  if (label < 0) throw new RangeError(`unknown category id ${categoryId} (known: ${map.categoryIds.join(', ')})`);
  return label;
}

/** The COCO category id of a training label (for writing COCO results). */
export function categoryIdOf(map: CategoryMap, label: number): number {
  const id = map.mode === 'contiguous' ? map.categoryIds[label] : map.names.has(label) ? label : undefined;
  if (id === undefined) throw new RangeError(`label ${label} has no category (numClasses ${map.numClasses})`);
  return id;
}
