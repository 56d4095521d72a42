/**
 * Segmint's library API. Everything exported here by name is public; everything else may change.
 *
 * @example
 * ```ts
 * import { Workspace, importFile } from 'segmint';
 * const ws = await Workspace.open('shop', { create: true });
 * const result = await importFile(ws, 'orders.csv', { kind: 'transactions' });
 * console.log(result.rows); // { read, loaded, quarantined, alreadyPresent }
 * ws.close();
 * ```
 */
export { SegmintError, isSegmintError } from './core/errors.ts';
export { CANONICAL_FIELDS, IMPORT_KINDS, type CanonicalField, type ImportKind } from './core/schema.ts';
export { Workspace, openMemoryDb, type Db, type OpenOptions, type Param, type Row } from './store/workspace.ts';
export { formatEngineSpec, openEngine, parseEngineSpec, type Engine, type EngineSpec, type OpenEngineOptions } from './engines/index.ts';
export { CURRENT_SCHEMA_VERSION } from './store/migrations.ts';
export { defaultConfig, parseConfig, type ImportPolicies, type ImportSettings, type WorkspaceConfig } from './store/config.ts';
export {
  importFile,
  fingerprintFile,
  resolveMapping,
  detectFormat,
  QUARANTINE_REASONS,
  type ImportOptions,
  type ImportResult,
  type Observation,
  type QuarantineReason,
  type Mapping,
  type FileFormat,
} from './store/import/index.ts';
export { runDemo, DEMO_DATA, type DemoSummary } from './pipeline/demo.ts';
export { generateDataset, PRESETS, type GenerateParams, type GenerateResult, type Preset } from './generate/index.ts';
export { buildReport, reportSections, renderReport, type ReportOptions, type ReportSection } from './report/index.ts';
export { runValueSegmentation, type ValueModel, type ValueOptions, type ValueResult, type SegmentSummary } from './pipeline/value.ts';
export { customerMetrics, exclusionCounts, METRIC_COLUMNS } from './features/customer-metrics.ts';
export { transactionSummary, PERIOD_DAYS, type Period, type SummaryOptions } from './features/transaction-summary.ts';
export { categoryShares } from './features/category-shares.ts';
export { scoreQuery, edgesQuery } from './scoring/rfm.ts';
export { DEFAULT_RFM_SEGMENTS, DEFAULT_LRFMP_SEGMENTS, checkCoverage, segmentOf } from './models/rfm/segments.ts';
export { compile, type Compiled } from './sql/compile.ts';
export { ConvergenceError } from './core/errors.ts';
export {
  runClvFit, runClvPredict, fitClvSummary, readSummaryFile, exportClvPredictions,
  type ClvFitOptions, type ClvFitResult, type ClvPredictOptions, type ClvPredictResult, type SummaryColumns, type SpendModel,
} from './pipeline/clv.ts';
export {
  fitPurchaseModel, probabilityAlive, conditionalExpectedPurchases, expectedRepeatPurchases, expectedPurchasesIfAlive, rateIfAlive, parseModelKind, parseModelOption, probabilityOfPurchases,
  PURCHASE_MODELS, MODEL_NAMES, type PurchaseModel, type PurchaseModelKind, type PurchaseFit,
} from './models/clv/model.ts';
export { fitBgNbd, bgnbdLogLikelihood, bgnbdPAlive, bgnbdExpected, bgnbdConditionalExpected, type BgNbdParams, type BgNbdFit } from './models/clv/bgnbd.ts';
export { fitMbgNbd, mbgnbdLogLikelihood, mbgnbdPAlive, mbgnbdExpected, mbgnbdConditionalExpected, type MbgNbdParams, type MbgNbdFit } from './models/clv/mbgnbd.ts';
export { fitParetoNbd, paretonbdLogLikelihood, paretonbdPAlive, paretonbdExpected, paretonbdConditionalExpected, type ParetoNbdParams, type ParetoNbdFit } from './models/clv/paretonbd.ts';
export { fitBgBb, bgbbLogLikelihood, bgbbPAlive, bgbbExpected, bgbbConditionalExpected, bgbbProbabilityOfPurchases, type BgBbParams, type BgBbPattern, type BgBbFit } from './models/clv/bgbb.ts';
export { fitGammaGamma, gammaGammaLogLikelihood, gammaGammaExpectedSpend, type GammaGammaParams, type GammaGammaFit } from './models/clv/gamma-gamma.ts';
export { toPatterns, groupPatterns, type Pattern } from './models/clv/patterns.ts';
export { predictPatterns, CHURN_TIERS, CLV_TIERS, type PredictOptions, type PatternPredictions } from './models/clv/predict.ts';
export { validateHoldout, type HoldoutValidation } from './models/clv/validation.ts';
export { bgnbdProbabilityOfPurchases, mbgnbdProbabilityOfPurchases, paretonbdProbabilityOfPurchases, paretonbdConditionalProbabilityOfPurchases } from './models/clv/pmf.ts';
export { pAliveMatrix, expectedPurchasesMatrix, type HistoryMatrix } from './models/clv/matrices.ts';
export { expectedCumulativeRepeatPurchases, incrementsOf, trackingSeries, seasonalDepartures, type TrackingPoint } from './models/clv/tracking.ts';
export { diagnoseFit, pAliveSpread, type FitDiagnostics, type FitIssue, type PAliveSpread } from './models/clv/diagnostics.ts';
export { fitCandidates, chooseModel, AUTO_MODELS, type ModelChoice, type ModelComparisonRow } from './models/clv/choose.ts';
export { maximizeLikelihood, type FitOptions, type MleFit, type MleSpec } from './models/clv/fit.ts';
export { clvSection } from './report/clv-section.ts';
export {
  fitClusters,
  fitKMeans,
  chooseK,
  ClusterModel,
  silhouetteScore,
  calinskiHarabasz,
  daviesBouldin,
  adjustedRandIndex,
  type ClusterModelJSON,
  type ClusterParams,
  type ClusterProfile,
  type ClusterResult,
  type InputColumn,
  type KChoice,
  type KMeansFit,
  type KMeansParams,
} from './models/cluster/index.ts';
export { clusterAssignmentQuery, type AssignableModel } from './features/cluster-assignment.ts';
export { runClustering, exportClusters, type ClusterRunOptions, type ClusterRunResult } from './pipeline/cluster.ts';
export { parseAudience, type ParseResult } from './segments/parse.ts';
export { checkAudience, type CheckResult } from './segments/check.ts';
export { formatAudience } from './segments/format.ts';
export { lowerAudience, lowerCondition } from './segments/lower.ts';
export { parseAudienceFile, formatAudienceFile } from './segments/file.ts';
export { AUDIENCE_PRESETS } from './segments/presets/index.ts';
export type { AudienceDef, AudienceDiagnostic, AudiencePack, Node as AudienceNode } from './segments/ast.ts';
export type { AudienceSchema, FieldType, ScoreSource } from './segments/schema.ts';
export {
  loadAudienceSchema, prepareAudience, evaluateAudience, evaluatePack, explainAudience, exportMembers, diffAudience, migrationMatrix, audienceRuns, audienceSql,
  type PreparedAudience, type EvalResult, type PackResult, type ExplainNode, type AudienceDiff, type MigrationMatrix, type MigrationCell, type RunInfo,
} from './pipeline/audience.ts';
export {
  listRuns, migrate, migrationRuns, exportMoves, exportAudienceDiff, RUN_KINDS,
  type RunListing, type Migration, type MigrationRun, type MigrationMove, type MigrationOptions, type MigrationBy,
} from './pipeline/migration.ts';
export { fitLogistic, predictLogistic, type LogisticModel, type LogisticOptions } from './models/campaign/logistic.ts';
export { buildDesign, inferEncoding, type Design, type FeatureEncoding } from './models/campaign/design.ts';
export { fitUplift, predictUplift, splitRows, topByUplift, upliftStudy, UPLIFT_METHODS, type UpliftMethod, type UpliftModel, type UpliftStudy } from './models/campaign/uplift.ts';
export { qiniCurve, upliftCurve, perfectQiniCurve, perfectUpliftCurve, qiniCoefficient, upliftAuc, upliftAtK, randomTargeting, type Curve, type RandomTargeting } from './models/campaign/qini.ts';
export { campaignUplift, type UpliftOptions, type CampaignUpliftResult } from './pipeline/campaign-uplift.ts';
export {
  createCampaign, importCampaign, measureCampaign, loadCampaignRows, listCampaigns, findCampaign, exportSendList, planArms, parseShare, campaignColumns,
  OUTCOME_NAMES, WORKSPACE_METRICS,
  type CampaignArm, type CampaignInfo, type CreateOptions, type CreateResult, type ImportCampaignOptions, type ImportCampaignResult,
  type CampaignRows, type CampaignColumn, type MeasureOptions, type MetricResult, type CampaignMeasurement,
} from './pipeline/campaign.ts';
export { assignArms, assignmentDraw, hash53 } from './models/campaign/assign.ts';
export { measureLift, compareArms, summariseCells, poolSegments, type CellSummaries, type Comparison, type ArmCell, type Lift, type OutcomeKind } from './models/campaign/measure.ts';
export { sampleRatioCheck, SRM_THRESHOLD, type SrmCheck, type SrmArm } from './models/campaign/srm.ts';
export { sampleSize, minimumDetectableEffect, type PlanInput, type PlanSize } from './models/campaign/plan.ts';
export { newcombe, wilson, welch, holm, benjaminiHochberg, normalQuantile, studentQuantile, chiSquareSf, type Welch } from './models/campaign/stats.ts';
export { refresh, readFreshness, inboxFiles, snapshotWithDeliveries, RefreshError, INBOX, type Freshness, type RefreshOptions, type RefreshResult, type RefreshStep } from './pipeline/refresh.ts';
export { Deliverer, signatureHeader, verifySignature, retryDelay, DEFAULT_DELIVERY_POLICY, type DeliveryPolicy, type DeliveryEvent } from './pipeline/webhook-delivery.ts';
export {
  addSubscription, listSubscriptions, getSubscription, removeSubscription, setSubscriptionStatus, enqueueSnapshotDeliveries, outboxRows, pendingDeliveries,
  readDeliveryLog, WEBHOOK_EVENTS, type Subscription, type OutboxRow, type DeliveryPayload, type DeliveryLogEntry, type WebhookEvent,
} from './store/outbox.ts';
