// COCO 2017's 80 detection categories with their (non-contiguous, 1..90) ids, as in
// instances_val2017.json. Official DETR / Conditional DETR checkpoints classify by category id
// (num_classes 91), so a label is an id; ids without a category are 'N/A' (DETR's notebooks).
import type { CocoCategory } from './coco-format.js';

const NAMES: readonly (readonly [number, string])[] = [
  [1, 'person'], [2, 'bicycle'], [3, 'car'], [4, 'motorcycle'], [5, 'airplane'], [6, 'bus'], [7, 'train'], [8, 'truck'], [9, 'boat'],
  [10, 'traffic light'], [11, 'fire hydrant'], [13, 'stop sign'], [14, 'parking meter'], [15, 'bench'], [16, 'bird'], [17, 'cat'],
  [18, 'dog'], [19, 'horse'], [20, 'sheep'], [21, 'cow'], [22, 'elephant'], [23, 'bear'], [24, 'zebra'], [25, 'giraffe'], [27, 'backpack'],
  [28, 'umbrella'], [31, 'handbag'], [32, 'tie'], [33, 'suitcase'], [34, 'frisbee'], [35, 'skis'], [36, 'snowboard'], [37, 'sports ball'],
  [38, 'kite'], [39, 'baseball bat'], [40, 'baseball glove'], [41, 'skateboard'], [42, 'surfboard'], [43, 'tennis racket'], [44, 'bottle'],
  [46, 'wine glass'], [47, 'cup'], [48, 'fork'], [49, 'knife'], [50, 'spoon'], [51, 'bowl'], [52, 'banana'], [53, 'apple'], [54, 'sandwich'],
  [55, 'orange'], [56, 'broccoli'], [57, 'carrot'], [58, 'hot dog'], [59, 'pizza'], [60, 'donut'], [61, 'cake'], [62, 'chair'], [63, 'couch'],
  [64, 'potted plant'], [65, 'bed'], [67, 'dining table'], [70, 'toilet'], [72, 'tv'], [73, 'laptop'], [74, 'mouse'], [75, 'remote'],
  [76, 'keyboard'], [77, 'cell phone'], [78, 'microwave'], [79, 'oven'], [80, 'toaster'], [81, 'sink'], [82, 'refrigerator'], [84, 'book'],
  [85, 'clock'], [86, 'vase'], [87, 'scissors'], [88, 'teddy bear'], [89, 'hair drier'], [90, 'toothbrush'],
];

export const COCO_CATEGORIES: readonly CocoCategory[] = NAMES.map(([id, name]) => ({ id, name }));

/** Labels 0..90 as categories (label = COCO id), 'N/A' where COCO has no category. */
export function cocoCategoryIdLabels(): CocoCategory[] {
  const byId = new Map(NAMES);
  return Array.from({ length: 91 }, (_, id) => ({ id, name: byId.get(id) ?? 'N/A' }));
}
