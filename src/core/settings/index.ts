export type { SettingsValue, SettingsMap, SettingsError, SettingsErrorCode, BodyPosition } from './types';
export { settingsLimits, isSettingsMap } from './types';
export {
  extractSettingsBlock,
  isSettingsHeading,
  type SettingsBlock,
  type ExtractedSettings,
} from './extract-settings-block';
export { parseSettings, type ParsedSettings, type ParseSettingsOptions } from './parse-settings';
export { readPrSettings, type PrSettings } from './read-pr-settings';
export type { TopLevelKey } from './inspect-settings-tree';
export { mergeSettings, copySettingsValue } from './merge-settings';
export {
  resolveFields,
  builtInFieldNames,
  fieldAliases,
  type RecipeFieldDeclaration,
  type ResolveFieldsInput,
  type ResolvedFields,
} from './resolve-fields';
export {
  chooseDatabaseMode,
  findDatabaseMarker,
  checkDatabaseSetting,
  databaseSettingKey,
  type DatabaseMode,
  type ChooseDatabaseModeInput,
} from './database-mode';
export {
  defaultDenyPatterns,
  secretKeyPatterns,
  connectionKeyPatterns,
  matchesGlob,
  findDenyingPattern,
  isSecretKey,
  isSecretValue,
  collectSecretValues,
} from './deny-list';
export { chooseFlavor, checkFlavorSetting, flavorSettingKey, type ChooseFlavorInput } from './sandbox-flavor';
export { explainSettings, type ExplainSettingsInput, type SettingsExplanation } from './explain-settings';
