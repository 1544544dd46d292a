import { describe, expect, it } from 'vitest';
import { Diagnostics } from './diagnostics.js';
import { loadYaml, type YMap, type YNode } from './yaml-load.js';

function load(text: string, maxBytes = 1024 * 1024) {
  const diags = new Diagnostics();
  const docs = loadYaml(text, { maxBytes }, diags);
  return { docs, diags };
}

function get(node: YNode | null | undefined, key: string): YNode | undefined {
  return (node as YMap).pairs.find((p) => p.key === key)?.value;
}

describe('loadYaml', () => {
  it('gives every node its line and column', () => {
    const { docs } = load('a: 1\nsteps:\n  - name: x\n    image: y\n');
    const steps = get(docs[0]!.root, 'steps');
    expect(steps?.kind).toBe('seq');
    const first = steps?.kind === 'seq' ? steps.items[0] : undefined;
    expect(first?.pos).toEqual({ line: 3, column: 5 });
    expect(get(first, 'image')?.pos).toEqual({ line: 4, column: 12 });
  });

  it('keeps the text of numbers as written, so 1.10 is not 1.1', () => {
    const { docs } = load('go: 1.10\n');
    const go = get(docs[0]!.root, 'go');
    expect(go).toMatchObject({ kind: 'scalar', value: 1.1, text: '1.10' });
  });

  it('accepts duplicate keys, keeps the last value and warns with the key and line', () => {
    const { docs, diags } = load('image: a\ncommands: [x]\nimage: b\n');
    expect(get(docs[0]!.root, 'image')).toMatchObject({ text: 'b' });
    expect(diags.errors).toEqual([]);
    expect(diags.warnings).toHaveLength(1);
    expect(diags.warnings[0]).toMatchObject({ line: 3, column: 1 });
    expect(diags.warnings[0]!.message).toContain("'image' is given twice (first at line 1)");
  });

  it('resolves anchors, aliases and merge keys, explicit keys winning', () => {
    const text =
      'base: &base\n  image: alpine\n  pull: always\nstep:\n  <<: *base\n  pull: never\nagain: *base\n';
    const { docs, diags } = load(text);
    expect(diags.errors).toEqual([]);
    const step = get(docs[0]!.root, 'step');
    expect(get(step, 'image')).toMatchObject({ text: 'alpine' });
    expect(get(step, 'pull')).toMatchObject({ text: 'never' });
    expect(get(get(docs[0]!.root, 'again'), 'image')).toMatchObject({ text: 'alpine' });
  });

  it('accepts a list of maps under a merge key', () => {
    const { docs } = load('a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n');
    const c = get(docs[0]!.root, 'c') as YMap;
    expect(c.pairs.map((p) => p.key)).toEqual(['x', 'y']);
  });

  it('refuses an alias bomb with a located error instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const { docs, diags } = load(`${levels.join('\n')}\n`);
    expect(docs).toEqual([]);
    expect(diags.errors).toHaveLength(1);
    expect(diags.errors[0]!.message).toContain('too many YAML nodes');
    expect(diags.errors[0]!.line).toBeGreaterThanOrEqual(1);
  });

  it('says which alias has no anchor', () => {
    const { diags } = load('a: 1\nb: *missing\n');
    expect(diags.errors[0]).toMatchObject({ line: 2, column: 4 });
    expect(diags.errors[0]!.message).toContain("'*missing'");
  });

  it('says a tab was used for indentation, on the tab line', () => {
    const { diags } = load('pipeline:\n\tbuild:\n\t\timage: alpine\n');
    expect(diags.errors.length).toBeGreaterThan(0);
    expect(diags.errors[0]!.message).toContain('line 2 is indented with a tab');
    expect(diags.errors[0]!.message).toContain('spaces');
  });

  it('reports text that is not YAML at its line with a hint', () => {
    const { diags } = load('steps:\n  - name: a\n    image: [unclosed\n');
    expect(diags.errors.length).toBeGreaterThan(0);
    expect(diags.errors[0]!.message).toMatch(/^invalid YAML: .+; .+/);
    expect(diags.errors[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reads CRLF line endings and a byte order mark with the same positions', () => {
    const { docs, diags } = load('\ufeffkind: pipeline\r\nsteps:\r\n  - name: a\r\n');
    expect(diags.errors).toEqual([]);
    const steps = get(docs[0]!.root, 'steps');
    expect(steps?.kind === 'seq' && steps.items[0]?.pos).toEqual({ line: 3, column: 5 });
    expect(get(docs[0]!.root, 'kind')?.pos).toEqual({ line: 1, column: 7 });
  });

  it('refuses a file over the size limit, saying its size', () => {
    const { docs, diags } = load('a: b\n'.repeat(100), 100);
    expect(docs).toEqual([]);
    expect(diags.errors[0]).toMatchObject({ line: 1, column: 1 });
    expect(diags.errors[0]!.message).toBe(
      'the file is 500 bytes, over the 100 bytes limit for pipeline files; make it smaller',
    );
  });

  it('gives comment-only and empty documents a null root', () => {
    const { docs, diags } = load('---\n# nothing\n...\n---\n---\nkind: pipeline\n');
    expect(diags.errors).toEqual([]);
    expect(docs.map((d) => d.root === null)).toEqual([true, true, false]);
  });
});
