/**
 * A prefix tree (trie) over path prefixes, one character per edge: finding
 * every stored prefix of a path costs one step per character of the path,
 * whatever the number of prefixes stored (nginx's static location tree works
 * the same way). Values keep their insertion order at each node.
 */

interface TreeNode<V> {
  /** Values whose prefix ends here, in insertion order. */
  values: V[] | undefined;
  children: Map<number, TreeNode<V>> | undefined;
}

export class PrefixTree<V> {
  private readonly root: TreeNode<V> = { values: undefined, children: undefined };

  insert(prefix: string, value: V): void {
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const code = prefix.charCodeAt(i);
      node.children ??= new Map();
      let next = node.children.get(code);
      if (next === undefined) {
        next = { values: undefined, children: undefined };
        node.children.set(code, next);
      }
      node = next;
    }
    (node.values ??= []).push(value);
  }

  /**
   * The best value among those stored under a prefix of `key`: `better`
   * says whether a candidate beats the best so far (undefined at first),
   * visited shortest prefix first and in insertion order at each node.
   */
  best<C>(key: string, context: C, better: (candidate: V, best: V | undefined, context: C) => boolean): V | undefined {
    let best: V | undefined;
    let node: TreeNode<V> | undefined = this.root;
    for (let i = 0; ; i++) {
      const values = node.values;
      if (values !== undefined) {
        for (let j = 0; j < values.length; j++) if (better(values[j]!, best, context)) best = values[j]!;
      }
      if (i === key.length || node.children === undefined) return best;
      node = node.children.get(key.charCodeAt(i));
      if (node === undefined) return best;
    }
  }
}
