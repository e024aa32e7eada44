// Runs in every test file (jest.config.js setupFilesAfterEnv).
import { afterAll } from '@jest/globals';
import { closeEverything } from './closeAfterFile';

afterAll(closeEverything);
