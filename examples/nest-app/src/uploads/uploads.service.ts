import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { Injectable } from '@nestjs/common';
import { StorageService } from 'stowage/nest';
import { safeName } from '../names';

export const UPLOADS_DIR = 'uploads';

/** Where an upload named `originalName` is stored: a fresh name that keeps the extension. */
export function uploadPath(originalName: string): string {
  const extension = extname(originalName).replace(/[^A-Za-z0-9.]/g, '');
  return `${UPLOADS_DIR}/${randomUUID()}${extension}`;
}

@Injectable()
export class UploadsService {
  constructor(private readonly storage: StorageService) {}

  pathOf(name: string): string {
    return `${UPLOADS_DIR}/${safeName(name)}`;
  }

  async list(): Promise<string[]> {
    if (!(await this.storage.directoryExists(UPLOADS_DIR))) return [];
    return this.storage.listFiles(UPLOADS_DIR);
  }

  /** A URL a browser can GET (or PUT) without credentials for 5 minutes, on every storage type. */
  signedUrl(name: string, method: 'GET' | 'PUT'): Promise<string> {
    return this.storage.getSignedUrl(this.pathOf(name), { method, expiresIn: 300 });
  }
}
