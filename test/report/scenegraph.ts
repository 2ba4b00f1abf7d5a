// Reading back what a rendered Vega view actually drew: the data rows behind every mark item.
import type * as vega from 'vega';

interface SceneNode {
  readonly marktype?: string;
  /** 'mark' for data marks (legends, axes and titles have their own roles). */
  readonly role?: string;
  readonly datum?: unknown;
  readonly items?: readonly SceneNode[];
  readonly x?: number;
  readonly y?: number;
  readonly width?: number;
  readonly height?: number;
}

export interface DrawnItem {
  readonly datum: Record<string, unknown>;
  /** Position within its panel, in pixels. */
  readonly x: number;
  readonly y: number;
  /** Size of rects (NaN for other marks). */
  readonly width: number;
  readonly height: number;
}

/** Data-mark items of `marktype` (e.g. 'symbol' = the point markers of a line chart) with their data rows. */
export function drawnItems(view: vega.View, marktype: string): DrawnItem[] {
  const out: DrawnItem[] = [];
  const walk = (node: SceneNode, inDataMark: boolean): void => {
    const isMark = node.marktype !== undefined;
    const dataMark = isMark ? node.marktype === marktype && node.role === 'mark' : inDataMark;
    if (!isMark && dataMark && node.datum !== undefined)
      out.push({
        datum: node.datum as Record<string, unknown>,
        x: node.x ?? NaN,
        y: node.y ?? NaN,
        width: node.width ?? NaN,
        height: node.height ?? NaN,
      });
    for (const child of node.items ?? []) walk(child, dataMark);
  };
  walk((view.scenegraph() as unknown as { root: SceneNode }).root, false);
  return out;
}
