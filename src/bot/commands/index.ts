import { activate } from './activate';
import { approve } from './approve';
import { archive } from './archive';
import { create } from './create';
import { deleteCommand } from './delete';
import { extend } from './extend';
import { list } from './list';
import { logs } from './logs';
import { redeploy } from './redeploy';
import type { Runner, RunnerName } from './runner';
import { status } from './status';

/** The one command registry: a command without a runner is a compile error. */
export const runners = {
  redeploy,
  activate,
  archive,
  delete: deleteCommand,
  status,
  logs,
  extend,
  approve,
  list,
  create,
} satisfies { [Name in RunnerName]: Runner<Name> };
