// Scene discovery shared by the dataset converters: a scene is a sub-folder of the root that holds
// a marker file (`dataset_train.txt` for Cambridge Landmarks, `TrainSplit.txt` for 7-Scenes).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/**
 * Sorted names of the sub-folders of `root` that contain `marker`; with `wanted`, exactly those
 * (in the given order), after checking each exists.
 */
export async function findSceneFolders(root: string, marker: string, wanted?: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (e.isDirectory() && (await exists(join(root, e.name, marker)))) found.push(e.name);
  }
  found.sort();
  const scenes = wanted === undefined ? found : [...wanted];
  const unknown = scenes.filter((s) => !found.includes(s));
  if (unknown.length > 0) throw new Error(`${root}: no scene folder(s) ${unknown.join(', ')} with ${marker} (found ${found.join(', ') || 'none'})`);
  if (scenes.length === 0) throw new Error(`${root}: no scene folder with ${marker}`);
  return scenes;
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}
