import { createHash, randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { StorageService } from 'stowage/nest';
import { safeName } from '../names';

export const UPLOADS_DIR = 'uploads';

export interface StoredUpload {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

@Injectable()
export class UploadsService {
  private readonly logger = new Logger(UploadsService.name);

  constructor(private readonly storage: StorageService) {}

  /** Stores the bytes, then reads them back to checksum what was stored; a failure removes it. */
  async store(originalName: string, data: Buffer): Promise<StoredUpload> {
    const extension = extname(originalName).replace(/[^A-Za-z0-9.]/g, '');
    const name = `${randomUUID()}${extension}`;
    const path = `${UPLOADS_DIR}/${name}`;
    await this.storage.writeFile(path, data);
    try {
      const stored = await this.storage.readFile(path);
      const sha256 = createHash('sha256').update(stored).digest('hex');
      return { name, path, size: stored.length, sha256 };
    } catch (error) {
      this.logger.warn(`Removing failed upload ${path}`);
      await this.storage.deleteFile(path);
      throw error;
    }
  }

  async list(): Promise<string[]> {
    if (!(await this.storage.directoryExists(UPLOADS_DIR))) return [];
    return this.storage.listFiles(UPLOADS_DIR);
  }

  read(name: string): Promise<Buffer> {
    return this.storage.readFile(`${UPLOADS_DIR}/${safeName(name)}`);
  }
}
