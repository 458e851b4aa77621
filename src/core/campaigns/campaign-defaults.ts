/** What a campaign does when a flag is not given: two at a time, checked every ten minutes, one attempt each, activated. */
export const campaignDefaults = { batchSize: 2, batchFrequencyMs: 600_000, numAttempts: 1, activate: true } as const;
