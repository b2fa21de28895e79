import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  share: number;
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '~/').replace(root, '');
  return `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`;
}

/** Self and inclusive time per function of a V8 .cpuprofile (node --cpu-prof), as shares of the total. */
export function summariseProfile(path: string, root: string): { totalSeconds: number; self: Frame[]; inclusive: Frame[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map<number, number>();
  profile.samples.forEach((id, index) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...time.values()].reduce((sum, value) => sum + value, 0);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of time) {
    const name = frameName(byId.get(id)!, root);
    self.set(name, (self.get(name) ?? 0) + micros);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = frameName(byId.get(current)!, root);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + micros);
    }
  }
  const sorted = (map: Map<string, number>): Frame[] =>
    [...map].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, share: micros / total }));
  return { totalSeconds: total / 1e6, self: sorted(self), inclusive: sorted(inclusive) };
}
