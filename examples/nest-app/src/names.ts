import { BadRequestException } from '@nestjs/common';

/** Names taken from URLs are single path segments: no separators, no `..`. */
export function safeName(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw new BadRequestException(`Invalid name: ${name}`);
  }
  return name;
}
