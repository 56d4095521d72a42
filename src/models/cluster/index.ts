/** Cluster segmentation kernels: k-means, quality measures, choice of k, preprocessing, profiles, the model. */
export { fitKMeans, kmeansPlusPlus, relativeTolerance, type KMeansFit, type KMeansParams } from './kmeans.ts';
export { adjustedRandIndex, calinskiHarabasz, daviesBouldin, sampleRows, silhouetteSamples, silhouetteScore } from './metrics.ts';
export { chooseK, elbowOf, explainChoice, type ChooseKParams, type KChoice, type KScore } from './choose-k.ts';
export { fitPreprocess, pca, transform, type InputColumn, type NumericStep, type OneHotStep, type Preprocessing, type PreprocessParams, type Step } from './preprocess.ts';
export { nameFromTraits, profileClusters, traitWords, type CategoryProfile, type ClusterProfile, type FeatureProfile, type SegmentCriteria, type Trait } from './profile.ts';
export { ALGORITHM_LABELS, ALGORITHMS, ClusterModel, fitClusters, fitClustersStaged, MODEL_FORMAT, type Assignment, type ClusterAlgorithm, type ClusterFitOptions, type ClusterModelJSON, type ClusterParams, type ClusterQuality, type ClusterResult } from './model.ts';
export { fitMiniBatchKMeans, fitMiniBatchStarts, type MiniBatchParams } from './minibatch.ts';
export { fitGaussianMixture, type Covariance, type GmmFit, type GmmParams } from './gmm.ts';
export { cutTree, WARD_MAX_ROWS, wardFitter, wardLinkage, type Merge } from './ward.ts';
export { fitKPrototypes, type KPrototypesFit, type KPrototypesParams } from './kprototypes.ts';
