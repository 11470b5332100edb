/** "1 record", "1,234 records": a record count with its noun, as shown throughout the UI. */
export const plural = (n: number): string => `${n.toLocaleString()} ${n === 1 ? 'record' : 'records'}`
