/* SPDX-License-Identifier: BSD-3-Clause */
/* Umbrella header of librla. */
#ifndef RLA_H
#define RLA_H

#include "rla/base.h"
#include "rla/cluster.h"
#include "rla/dmat.h"
#include "rla/file.h"
#include "rla/gen.h"
#include "rla/io.h"
#include "rla/lsq.h"
#include "rla/op.h"
#include "rla/options.h"
#include "rla/report.h"
#include "rla/rng.h"
#include "rla/sketch.h"
#include "rla/smat.h"
#include "rla/svd.h"

#endif
