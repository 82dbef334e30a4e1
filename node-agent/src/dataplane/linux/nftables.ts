import { createHash } from 'node:crypto';
import { NFT_FAMILY, NFT_TABLE } from '../render/nft-script.js';
import { CommandError, type CommandRunner } from './command-runner.js';

/** JSON as `nft -j` prints it. */
export type NftJson = null | boolean | number | string | NftJson[] | { [key: string]: NftJson };

/** Applies a rendered script as ONE transaction (`nft -f -`): all of it or none of it. */
export async function applyNftScript(run: CommandRunner, script: string): Promise<void> {
  await run('nft', ['-f', '-'], { input: script });
}

/**
 * The agent's table as `nft -j list table inet wirefleet` prints it, or null when the table
 * does not exist (someone deleted it, or nothing was applied yet).
 */
export async function readNftTable(run: CommandRunner): Promise<NftJson[] | null> {
  try {
    const { stdout } = await run('nft', ['-j', 'list', 'table', NFT_FAMILY, NFT_TABLE]);
    const parsed = JSON.parse(stdout) as { nftables?: NftJson[] };
    return parsed.nftables ?? [];
  } catch (error) {
    if (error instanceof CommandError && /No such file or directory/.test(error.stderr)) return null;
    throw error;
  }
}

/**
 * Drops what changes without the ruleset changing: kernel handles (new on every replace) and
 * the `metainfo` header (nft version). What remains is the table's meaning.
 */
export function normalizeNftJson(value: NftJson): NftJson {
  if (Array.isArray(value)) {
    return value
      .filter(
        (item) => !(item !== null && typeof item === 'object' && !Array.isArray(item) && 'metainfo' in item),
      )
      .map(normalizeNftJson);
  }
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: NftJson } = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'handle') continue;
    out[key] = normalizeNftJson(value[key]!);
  }
  return out;
}

/** A stable text form of the table (handles stripped, keys sorted), or `absent`. */
export function canonicalNftTable(table: NftJson[] | null): string {
  return table === null ? 'absent' : JSON.stringify(normalizeNftJson(table));
}

/** sha256 of the canonical table: what the agent remembers after applying its script. */
export function fingerprintNftTable(table: NftJson[] | null): string {
  return createHash('sha256').update(canonicalNftTable(table)).digest('hex');
}
