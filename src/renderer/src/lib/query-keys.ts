/** Every React Query key comes from here, so invalidation after an event hits exactly what it should. */
export const queryKeys = {
  status: () => ['system', 'status'] as const
}
