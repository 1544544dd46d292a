import { describe, expect, it } from 'vitest';
import { numberPlaceholders } from './placeholders.js';

describe('numberPlaceholders', () => {
  it('numbers placeholders in order', () => {
    expect(numberPlaceholders('UPDATE t SET a = ?, b = ? WHERE id = ?')).toBe(
      'UPDATE t SET a = $1, b = $2 WHERE id = $3',
    );
  });

  it('leaves question marks in literals, identifiers and comments alone', () => {
    expect(numberPlaceholders(`SELECT '?', 'it''s ?', "col?" FROM t -- why?\nWHERE x = ?`)).toBe(
      `SELECT '?', 'it''s ?', "col?" FROM t -- why?\nWHERE x = $1`,
    );
  });
});
