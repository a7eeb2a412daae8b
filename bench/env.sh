# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the benchmark scripts: the environment of their single-node runs. One OpenBLAS
# thread per rank (the ranks take the cores); Open MPI allowed to run as root; no single-copy
# mechanism between ranks; Open MPI's shared-memory messaging (ob1), as the tests use, and no
# hwloc OpenGL probe (it can hold a launch for seconds in DNS). The environment can override
# the root permission, the messaging layer and the hwloc components.
export OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1} HWLOC_COMPONENTS=${HWLOC_COMPONENTS:--gl}
