// Outside Jest: a NestJS 12 app written as ES modules imports stowage/nest (CommonJS, which loads
// the ESM-only @nestjs packages through require(esm)) and gets one shared copy of @nestjs/common.
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StorageModule, StorageService, StorageType } from 'stowage/nest';

class Reports {
  constructor(storage) {
    this.storage = storage;
  }
}
Injectable()(Reports);
Reflect.defineMetadata('design:paramtypes', [StorageService], Reports);

class AppModule {}
Module({ imports: [StorageModule.forRoot({ storageType: StorageType.MEMORY })], providers: [Reports] })(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
const { storage } = app.get(Reports);
await storage.writeFile('/reports/a.txt', 'from ESM');
const text = (await storage.readFile('/reports/a.txt')).toString();
const names = await storage.listFiles('/reports');
await app.close();
if (text !== 'from ESM' || names.join() !== 'a.txt') throw new Error(`unexpected: ${text} ${names}`);
console.log('nest12: ES module app with stowage/nest works');
