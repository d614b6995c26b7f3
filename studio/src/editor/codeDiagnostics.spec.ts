import { describe, expect, it } from 'vitest';
import { problemText, runDiagnostic, syntaxDiagnostic, tracebackLine } from './codeDiagnostics';

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "<node s1: Add>", line 4, in add',
  '    return half(x)',
  '  File "<node s1: Add>", line 7, in half',
  '    return x / 0',
  '  File "<node s10: Other>", line 2, in g',
  '    raise',
  'ZeroDivisionError: division by zero',
  '',
].join('\n');

describe('code diagnostics', () => {
  it('takes a syntax error at its line and column, without the path', () => {
    const error = { type: 'FlowError' as const, message: 'code: SyntaxError at line 2: invalid syntax', path: 'code', line: 2, column: 15 };
    expect(syntaxDiagnostic(error)).toEqual({
      line: 2, column: 15, severity: 'error', message: 'SyntaxError at line 2: invalid syntax', source: 'syntax',
    });
  });

  it('has no diagnostic for an error without a line', () => {
    expect(syntaxDiagnostic({ type: 'FlowError', message: 'code: bad', path: 'code', line: null, column: null, problem: null })).toBeNull();
    expect(syntaxDiagnostic({ type: 'WorkerError', message: 'gone' })).toBeNull();
    expect(syntaxDiagnostic(null)).toBeNull();
  });

  it('strips only the path the message starts with', () => {
    expect(problemText({ message: 'code: x', path: 'code' })).toBe('x');
    expect(problemText({ message: 'other: x', path: 'code' })).toBe('other: x');
  });

  it("finds the innermost frame of the node's own code, not another node's with a longer id", () => {
    expect(tracebackLine(TRACEBACK, 's1')).toBe(7);
    expect(tracebackLine(TRACEBACK, 's10')).toBe(2);
    expect(tracebackLine(TRACEBACK, 's2')).toBeNull();
  });

  it('makes a run error a diagnostic naming its type, message and socket', () => {
    const error = { type: 'ZeroDivisionError', message: 'division by zero', traceback: TRACEBACK, socket: 'add' };
    expect(runDiagnostic(error, 's1')).toEqual({
      line: 7, severity: 'error', message: 'ZeroDivisionError: division by zero (in add)', source: 'run',
    });
    expect(runDiagnostic(error, 'nope')).toBeNull();
  });
});
