"""The paper's data sets and their offline stand-ins, read from their real on-disk formats.

- ``.idx_sets``: MNIST (embedded 10,000 digits; the full set from a PyPI
  archive or torchvision) and Fashion-MNIST (Debian package or torchvision);
- ``.arrays``: scikit-learn digits and CIFAR-10/100 (pickle batches);
- ``.folders``: ImageNet (lazy class folders) and other image folders;
- ``.mnist_c`` and ``.corruptions``: MNIST-C, read from its Zenodo
  layout or generated with the 15 corruptions;
- ``.ood_sets``: out-of-distribution sets shaped like an in-distribution one;
- ``.formats``: IDX reading and other shared format helpers;
- ``.perturbations``: H-CAT's eight hardness perturbations (label noise, covariate
  noise, zoom, shift, far-OoD) with the mask of what they perturbed;
- ``.tabular``: UCI Letter and Landsat Satellite (Debian ``r-cran-mlbench``
  or the UCI files), scikit-learn's breast cancer and wine; out-of-distribution
  feature vectors;
- ``.text``: the fortune-cookie topics of Debian ``fortunes`` and their
  all-MiniLM-L6-v2 sentence embeddings (cached);
- ``.tokens``: the same texts as MiniLM word-piece embeddings (N, L, 384), zero
  rows as padding: the input of the fine-tuned encoder.

The image loaders return float32 images (N, C, H, W) in [0, 1] and int64
labels (N,); the tabular and text loaders float32 features (N, D) and int64 labels.
"""

from .arrays import CIFAR_NAMES, cifar, digits
from .corruptions import CORRUPTIONS, corrupt
from .folders import image_folder, imagenet, imagenet_transform, to_tensors
from .idx_sets import FASHION_MNIST_CLASSES, fashion_mnist, fetch_mnist_dir, mnist
from .mnist_c import mnist_c, mnist_c_sets, write_mnist_c
from .ood_sets import OOD_SETS, gaussian_noise, load_ood_set, natural_crops
from .perturbations import HARDNESS, perturb
from .tabular import TABLES, VECTOR_OOD_SETS, fit_width, load_tabular, load_vector_ood, standardize

__all__ = [
    "HARDNESS",
    "CIFAR_NAMES",
    "FASHION_MNIST_CLASSES",
    "CORRUPTIONS",
    "OOD_SETS",
    "TABLES",
    "VECTOR_OOD_SETS",
    "cifar",
    "corrupt",
    "digits",
    "fashion_mnist",
    "fit_width",
    "load_vector_ood",
    "standardize",
    "load_tabular",
    "fetch_mnist_dir",
    "gaussian_noise",
    "perturb",
    "image_folder",
    "imagenet",
    "imagenet_transform",
    "load_ood_set",
    "mnist",
    "mnist_c",
    "mnist_c_sets",
    "natural_crops",
    "to_tensors",
    "write_mnist_c",
]
