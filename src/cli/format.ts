// Number formats shared by the commands' reports.

export const fmtSeconds = (s: number) => `${s.toFixed(2)} s`;
export const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
export const round = (x: number, digits = 3) => Number(x.toFixed(digits));
