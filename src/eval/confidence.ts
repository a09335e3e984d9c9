/**
 * Share of images the evaluator classifies confidently. Real test digits
 * score close to 1; smudges, blends of two digits and noise score low even
 * when the class histogram looks healthy.
 */

/** Default probability above which a prediction counts as confident. */
export const CONFIDENCE_THRESHOLD = 0.9;

/**
 * Share (0 to 1) of the rows of `probabilities` [count, classes] whose
 * largest probability exceeds `threshold`.
 */
export function confidentShare(
  probabilities: Float32Array,
  count: number,
  classes: number,
  threshold = CONFIDENCE_THRESHOLD,
): number {
  if (probabilities.length !== count * classes || count < 1) {
    throw new Error(
      `confidentShare: expected ${count} x ${classes} probabilities (count >= 1), got ${probabilities.length}`,
    );
  }
  let confident = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 0; k < classes; k++)
      best = Math.max(best, probabilities[i * classes + k]);
    if (best > threshold) confident += 1;
  }
  return confident / count;
}
