// COCO ground-truth and results JSON: io-ts codecs, exported types and readers that name the file,
// the JSON path and what was expected on any structural or semantic error. Extra fields (info,
// licenses, segmentation, ...) are allowed and kept.
import { promises as fs } from 'node:fs';
import * as t from 'io-ts';
import { leafCodec, NonNegative, numberWhere } from '../lib/io/codecs.js';
import { DecodeError, decodeOrThrow, parseJson } from '../lib/io/decode.js';

const Id = numberWhere('integer id', Number.isSafeInteger);
const PositiveSize = numberWhere('positive number', (n) => Number.isFinite(n) && n > 0);
const Finite = numberWhere('finite number', Number.isFinite);
const IsCrowd = leafCodec('0 | 1', (u): u is 0 | 1 => u === 0 || u === 1);

/** `[x, y, w, h]` in pixels, top-left corner; w and h must not be negative. */
export const CocoBoxCodec = t.tuple([Finite, Finite, NonNegative, NonNegative], '[x, y, w >= 0, h >= 0]');

export const CocoImageCodec = t.type({ id: Id, file_name: t.string, width: PositiveSize, height: PositiveSize });

export const CocoAnnotationCodec = t.type({
  id: Id,
  image_id: Id,
  category_id: Id,
  bbox: CocoBoxCodec,
  area: NonNegative,
  iscrowd: IsCrowd,
});

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

const CategoryFields = t.type({
  id: Id,
  name: t.string,
  supercategory: leafCodec('string or nothing', (u): u is string | undefined => u === undefined || typeof u === 'string'),
});

/** (A plain t.type with an optional field; t.partial in an intersection would add `[0]` to error paths.) */
export const CocoCategoryCodec = new t.Type<CocoCategory, CocoCategory, unknown>(
  'CocoCategory',
  (u): u is CocoCategory => CategoryFields.is(u),
  (u, c) => CategoryFields.validate(u, c),
  t.identity,
);

export const CocoGroundTruthCodec = t.type({
  images: t.array(CocoImageCodec),
  annotations: t.array(CocoAnnotationCodec),
  categories: t.array(CocoCategoryCodec),
});

export const CocoResultCodec = t.type({ image_id: Id, category_id: Id, bbox: CocoBoxCodec, score: Finite });
export const CocoResultsCodec = t.array(CocoResultCodec);

export type CocoBox = [number, number, number, number];
export type CocoImage = t.TypeOf<typeof CocoImageCodec>;
export type CocoAnnotation = t.TypeOf<typeof CocoAnnotationCodec>;
export type CocoGroundTruth = t.TypeOf<typeof CocoGroundTruthCodec>;
export type CocoResult = t.TypeOf<typeof CocoResultCodec>;

function duplicateIdProblems(items: readonly { id: number }[], path: string): string[] {
  const seen = new Set<number>();
  const problems: string[] = [];
  items.forEach((item, i) => {
    if (seen.has(item.id)) problems.push(`at ${path}[${i}].id: expected an id unique in ${path}, got ${item.id}`);
    seen.add(item.id);
  });
  return problems;
}

/**
 * Semantic checks of decoded ground truth: unique image / annotation / category ids, every
 * annotation's image_id among the images and category_id among the categories. Throws a
 * `DecodeError` naming `source` and each failing JSON path.
 */
export function validateCocoGroundTruth(gt: CocoGroundTruth, source: string): CocoGroundTruth {
  const imageIds = new Set(gt.images.map((im) => im.id));
  const categoryIds = new Set(gt.categories.map((c) => c.id));
  const problems = [
    ...duplicateIdProblems(gt.images, '$.images'),
    ...duplicateIdProblems(gt.annotations, '$.annotations'),
    ...duplicateIdProblems(gt.categories, '$.categories'),
  ];
  gt.annotations.forEach((a, i) => {
    if (!imageIds.has(a.image_id)) {
      problems.push(`at $.annotations[${i}].image_id: expected the id of an entry of $.images, got ${a.image_id}`);
    }
    if (!categoryIds.has(a.category_id)) {
      problems.push(`at $.annotations[${i}].category_id: expected the id of an entry of $.categories, got ${a.category_id}`);
    }
  });
  if (problems.length > 0) throw new DecodeError(source, problems);
  return gt;
}

/**
 * Every non-crowd box must lie inside its image, up to `tolerance` pixels (COCO itself has boxes
 * that overhang by a fraction of a pixel). Throws a `DecodeError` naming each offending bbox path.
 */
export function checkBoxesInsideImages(gt: CocoGroundTruth, source: string, tolerance = 1): void {
  const sizes = new Map(gt.images.map((im) => [im.id, im]));
  const problems: string[] = [];
  gt.annotations.forEach((a, i) => {
    const im = sizes.get(a.image_id);
    if (im === undefined) return;
    const [x, y, w, h] = a.bbox;
    if (x < -tolerance || y < -tolerance || x + w > im.width + tolerance || y + h > im.height + tolerance) {
      problems.push(`at $.annotations[${i}].bbox: expected a box inside image ${im.id} (${im.width}x${im.height}), got ${JSON.stringify(a.bbox)}`);
    }
  });
  if (problems.length > 0) throw new DecodeError(source, problems);
}

/**
 * Semantic checks of results against ground truth: every image_id must be a GT image (pycocotools'
 * loadRes asserts the same). Category ids outside the GT are allowed: COCOeval ignores them.
 */
export function validateCocoResults(results: CocoResult[], gt: CocoGroundTruth, source: string): CocoResult[] {
  const imageIds = new Set(gt.images.map((im) => im.id));
  const problems: string[] = [];
  results.forEach((r, i) => {
    if (!imageIds.has(r.image_id)) {
      problems.push(`at $[${i}].image_id: expected the id of a ground-truth image, got ${r.image_id}`);
    }
  });
  if (problems.length > 0) throw new DecodeError(source, problems);
  return results;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new DecodeError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseJson(text, path);
}

/** Decode + semantically validate an in-memory ground-truth value; `source` names it in errors. */
export function decodeCocoGroundTruth(value: unknown, source: string): CocoGroundTruth {
  return validateCocoGroundTruth(decodeOrThrow(CocoGroundTruthCodec, value, source), source);
}

/** Read, decode and validate a COCO ground-truth JSON file. */
export async function readCocoGroundTruth(path: string): Promise<CocoGroundTruth> {
  return decodeCocoGroundTruth(await readJson(path), path);
}

/** Read and decode a COCO results JSON file; with `gt`, also check its image ids against it. */
export async function readCocoResults(path: string, gt?: CocoGroundTruth): Promise<CocoResult[]> {
  const results = decodeOrThrow(CocoResultsCodec, await readJson(path), path);
  return gt === undefined ? results : validateCocoResults(results, gt, path);
}
