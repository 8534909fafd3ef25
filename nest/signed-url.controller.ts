import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Optional,
  Param,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
  UseFilters,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { STORAGE_OPTIONS, URL_SIGNER } from './constants';
import { getStorageToken, signerToken } from './disks';
import { downloadFile } from './download';
import { streamInto } from './multer-storage';
import type { StorageModuleOptions } from './options';
import { SIGNED_URL_ROUTE, type SignedMethod, type SignedTarget, UrlSigner } from './signed-urls';
import { StorageExceptionFilter } from './storage-exception.filter';
import { StorageService } from './storage.service';

interface SignedQuery {
  provider?: string;
  expires?: string;
  signature?: string;
}

/**
 * Serves the signed URLs that LOCAL and MEMORY providers hand out (`getSignedUrl` with a signing
 * secret): GET (and HEAD) downloads through `downloadFile` (Range, ETag), PUT streams the request
 * body into `createWriteStream`. A URL whose disk, provider, method, path or expiry was changed,
 * or that expired, gets 403; storage errors are mapped by StorageExceptionFilter.
 */
@Controller(SIGNED_URL_ROUTE)
@UseFilters(StorageExceptionFilter)
export class SignedUrlController {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly storage: StorageService,
    @Inject(URL_SIGNER) private readonly signer: UrlSigner,
    @Optional() @Inject(STORAGE_OPTIONS) private readonly options?: StorageModuleOptions,
  ) {}

  // Express answers HEAD with the GET route; downloadFile then sends the headers only.
  @Get(':disk/:path')
  async download(
    @Param('disk') disk: string,
    @Param('path') path: string,
    @Query() query: SignedQuery,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<StreamableFile> {
    const provider = this.authorize(disk, path, 'GET', query);
    return downloadFile(provider, path, req, res);
  }

  @Put(':disk/:path')
  @HttpCode(201)
  async upload(
    @Param('disk') disk: string,
    @Param('path') path: string,
    @Query() query: SignedQuery,
    @Req() req: IncomingMessage,
  ): Promise<{ size: number; sha256: string }> {
    const provider = this.authorize(disk, path, 'PUT', query);
    // The type the upload says it is, as S3 and Azure store it; else the one the name gives.
    const contentType = req.headers['content-type'];
    return streamInto(provider, path, req, req, contentType ? { contentType } : {});
  }

  /** The provider a valid URL names; 403 for anything else, saying no more than that. */
  private authorize(disk: string, path: string, method: SignedMethod, query: SignedQuery) {
    const found = this.disk(disk);
    const provider = query.provider;
    const target: SignedTarget = {
      disk,
      provider: provider as SignedTarget['provider'],
      method,
      path,
      expires: Number(query.expires),
    };
    const valid =
      found !== undefined &&
      (provider === 'LOCAL' || provider === 'MEMORY') &&
      typeof query.signature === 'string' &&
      found.signer.verify(target, query.signature);
    if (!valid) throw new ForbiddenException('Invalid or expired signed URL');
    return found.service.getProvider(provider);
  }

  /** The disk a URL names: the default one, or a named disk of this module. */
  private disk(name: string): { signer: UrlSigner; service: StorageService } | undefined {
    if (name === this.signer.disk) return { signer: this.signer, service: this.storage };
    if (!this.options?.disks || !Object.hasOwn(this.options.disks, name)) return undefined;
    return {
      signer: this.moduleRef.get<UrlSigner>(signerToken(name), { strict: true }),
      service: this.moduleRef.get<StorageService>(getStorageToken(name), { strict: true }),
    };
  }
}
