import { getEstimator, type Estimator } from '@pathwise/estimators';

/** The estimator a config names (any registered one), with the config's options applied and checked. */
export function configuredEstimator(config: { estimator: string; estimatorOptions: Record<string, unknown> }): Estimator<any> {
  const estimator = getEstimator(config.estimator);
  return Object.keys(config.estimatorOptions).length > 0 ? estimator.with(config.estimatorOptions as never) : estimator;
}
