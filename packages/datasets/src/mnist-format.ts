// What MNIST is, without reading it: file names, sizes, md5 sums, IDX magic numbers and the pixel
// statistics. No Node modules, so the browser build of the package exports it too.

export type MnistSplit = 'train' | 'test';

export interface MnistFile {
  readonly name: string;
  readonly bytes: number;
  readonly md5: string;
}

/** The original files, byte sizes and md5 sums (shared/DATA.md). */
export const MNIST_FILES: Readonly<Record<MnistSplit, { readonly images: MnistFile; readonly labels: MnistFile }>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte', bytes: 47_040_016, md5: '6bbc9ace898e44ae57da46a324031adb' },
    labels: { name: 'train-labels-idx1-ubyte', bytes: 60_008, md5: 'a25bea736e30d166cdddb491f175f624' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte', bytes: 7_840_016, md5: '2646ac647ad5339dbf082846283269ea' },
    labels: { name: 't10k-labels-idx1-ubyte', bytes: 10_008, md5: '27ae3e4e09519cfbb04c329615203637' },
  },
};

export const MNIST_IMAGE_MAGIC = 0x00000803;
export const MNIST_LABEL_MAGIC = 0x00000801;

/** Mean and standard deviation of the 47,040,000 training pixels scaled to [0, 1] (the values torchvision's MNIST examples use). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
