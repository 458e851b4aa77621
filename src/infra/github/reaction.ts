/** GitHub's reactions that the bot uses to acknowledge a command comment. */
export type Reaction = '+1' | '-1' | 'confused' | 'eyes' | 'rocket';
