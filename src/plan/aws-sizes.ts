/**
 * What AWS can run: Fargate's CPU/memory pairs and ElastiCache node sizes.
 * Validation checks specs against them (so `edgeform validate` rejects what
 * `pulumi up` would), and the components pick node types with them.
 */

/** Fargate's valid CPU units → memory (MiB) range and step. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

/** Why Fargate cannot run this size, or undefined when it can. */
export function fargateSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const range = FARGATE_MEMORY[cpu];
  if (!range) return `Fargate has no ${cpu} CPU size (use 256, 512, 1024, 2048 or 4096)`;
  // 0.25 vCPU is the one size whose memory steps are not uniform.
  const ok = cpu === 256 ? [512, 1024, 2048].includes(memoryMiB) : memoryMiB >= range.min && memoryMiB <= range.max && memoryMiB % range.step === 0;
  if (ok) return undefined;
  const options = cpu === 256 ? "512, 1024 or 2048" : `${range.min}-${range.max} in steps of ${range.step}`;
  return `Fargate runs ${cpu} CPU units with ${options} MiB of memory, not ${memoryMiB}`;
}

/** ElastiCache node types by memory (GiB), smallest first. */
const NODE_TYPES: Array<[string, number]> = [
  ["cache.t4g.micro", 0.5],
  ["cache.t4g.small", 1.37],
  ["cache.t4g.medium", 3.09],
  ["cache.r7g.large", 13.07],
  ["cache.r7g.xlarge", 26.32],
  ["cache.r7g.2xlarge", 52.82],
  ["cache.r7g.4xlarge", 105.81],
];

/**
 * The smallest node that holds maxMemory once ElastiCache's default 25%
 * reserved memory is set aside; undefined when none does.
 */
export function nodeTypeFor(maxMemoryBytes: number): string | undefined {
  return NODE_TYPES.find(([, gib]) => gib * 0.75 * 1024 ** 3 >= maxMemoryBytes)?.[0];
}

