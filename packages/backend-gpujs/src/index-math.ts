// Flat-index maths inside kernels. gpu.js hands a kernel its thread index as a float, and every
// index below is an integer-valued float32: exact up to 2^24 (16 777 216), so products such as
// row · N and differences such as i − row · N are exact there too. A quotient is not: float32
// division rounds, and a GPU may compute a / b as a · (1 / b) with a few ulps more. The old guard
// ⌊(i + 0.5) / n⌋ stops working at 2^23 (8 388 608): i + 0.5 is no longer representable, rounds
// up to i + 1 for odd i, and the last element of a row lands in the next row (a [3584, 2544]
// product or a [128, 28, 3·848] concat silently read the wrong elements), and with less
// accurate division it fails earlier. So the quotient is estimated once and then corrected by at
// most one with exact integer comparisons, which holds for every index below 2^24.

/** The largest flat size whose float32 indices the kernels' index maths keeps exact. */
export const MAX_EXACT_INDEX = 2 ** 24;

/**
 * Kernel statements declaring `name` = ⌊num / den⌋ for integer-valued num ≥ 0 and den > 0
 * (`num`, `den`: kernel expressions, evaluated more than once), exact for num < 2^24.
 */
export function floorDiv(name: string, num: string, den: string): string {
  return `let ${name} = Math.floor(${num} / ${den});
        if (${name} * ${den} > ${num}) { ${name} = ${name} - 1; }
        if (${name} * ${den} + ${den} <= ${num}) { ${name} = ${name} + 1; }`;
}
