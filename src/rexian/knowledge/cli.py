"""`rexian knowledge reindex`: rebuild the knowledge search index."""


def reindex_command(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.knowledge.index import rebuild

    print(f"已重建知识检索索引：{rebuild()} 条已发布知识。")
    return 0


def register(subparsers) -> None:
    commands = subparsers.add_parser("knowledge", help="知识库维护").add_subparsers(dest="knowledge_command", required=True)
    reindex = commands.add_parser("reindex", help="按当前的领域词典和同义词重建知识检索索引（修改词典后会自动重建）")
    reindex.set_defaults(func=reindex_command)
