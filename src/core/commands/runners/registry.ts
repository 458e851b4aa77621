import { activate } from './activate';
import { approve } from './approve';
import { archive } from './archive';
import { campaign, campaignControl, campaigns } from './campaign';
import { cancel } from './cancel';
import { create } from './create';
import { deleteCommand } from './delete';
import { extend } from './extend';
import { list } from './list';
import { logs } from './logs';
import { pin, unpin } from './pin';
import { redeploy } from './redeploy';
import { restore } from './restore';
import { status } from './status';
import { task } from './task';
import type { RunnableName, Runner } from './types';

/** The one runner of each command, for every surface: a command without one is a compile error. */
export const runners = {
  redeploy,
  restore,
  activate,
  archive,
  delete: deleteCommand,
  cancel,
  status,
  logs,
  extend,
  pin,
  unpin,
  approve,
  list,
  create,
  task,
  campaign,
  campaign_control: campaignControl,
  campaigns,
} satisfies { [N in RunnableName]: Runner<N> };
