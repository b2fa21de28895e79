import { z } from 'zod';
import { TIERS } from '../core/tier.ts';

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The query table's filters, from the URL (untrusted): anything malformed is a 400, not a guess. */
export const queryFilters = z.object({
  run: z.string().min(1).max(300),
  tier: z.union([z.enum(TIERS), z.literal('')]).optional().transform((value) => (value === '' ? undefined : value)),
  endpoint: optionalText(200),
  max_score: z
    .union([z.enum(['1', '2', '3', '4', '5']), z.literal('')])
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : Number(value))),
  fallback: z.enum(['', 'yes', 'no']).optional().transform((value) => (value === '' ? undefined : value)),
  rating: z.enum(['', 'rated', 'unrated', 'low']).optional().transform((value) => (value === '' ? undefined : value)),
  judged: z.enum(['', 'unscored']).optional().transform((value) => (value === '' ? undefined : value)),
  rejected: z.enum(['', 'only']).optional().transform((value) => (value === '' ? undefined : value)),
  q: optionalText(200),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

export type QueryFilterParams = z.infer<typeof queryFilters>;

export interface QueryFilters {
  tier: string | undefined;
  endpoint: string | undefined;
  maxScore: number | undefined;
  fallback: 'yes' | 'no' | undefined;
  rating: 'rated' | 'unrated' | 'low' | undefined;
  judged: 'unscored' | undefined;
  q: string | undefined;
  page: number;
}

export function toFilters(params: QueryFilterParams): QueryFilters {
  return {
    tier: params.tier,
    endpoint: params.endpoint,
    maxScore: params.max_score,
    fallback: params.fallback,
    rating: params.rating,
    judged: params.judged,
    q: params.q,
    page: params.page,
  };
}
