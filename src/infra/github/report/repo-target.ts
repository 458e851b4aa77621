/** The pull request an API call is about (owner, repo, number). */
export interface RepoTarget {
  owner: string;
  repo: string;
  number: number;
}
