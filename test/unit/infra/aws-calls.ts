/**
 * Which AWS API calls each handler can reach, read from the sources with the TypeScript checker, so
 * the IAM grants of infra/ can be checked against the code instead of against a hand-kept list.
 *
 * From the entry module's top-level code, every function, method, accessor, constructor and
 * initializer that a reference resolves to is followed (through types: `deps.store.protocols.sign()`
 * is ProtocolRepository.sign), and every `new <Name>Command` of an @aws-sdk client found on the way is
 * an action ("dynamodb:DeleteItem"). Over-approximating on purpose: a reference counts whether or not
 * its branch ever runs, and a member of an interface counts every same-named member of every class in
 * functions/ (implementations are structural). Type positions are skipped (a type is not a call).
 */
import { join, relative } from 'node:path';
import ts from 'typescript';

/** IAM service prefix of each AWS SDK v3 client package the functions use. */
const SERVICE_PREFIX: Record<string, string> = {
  'client-dynamodb': 'dynamodb',
  'client-sesv2': 'ses',
  'client-sfn': 'states',
  'client-s3': 's3',
  'client-secrets-manager': 'secretsmanager',
};

export interface AwsCalls {
  /** IAM actions, e.g. "dynamodb:Query". */
  actions: Set<string>;
  /** For each action, one chain of declarations from the entry to the code that builds the command. */
  via: Map<string, string[]>;
  /** For each action, every reachable declaration that builds its command. */
  sites: Map<string, Set<string>>;
  /** Every reachable declaration of functions/ ("Class.member (file)" or "name (file)") and what it references. */
  calls: Map<string, Set<string>>;
}

export interface AwsCallAnalyzer {
  callsOf(entry: string): AwsCalls;
}

type Body = ts.Node;

/** One program over every entry (they share most modules), then one traversal per entry. */
export function analyzeAwsCalls(projectRoot: string, entries: string[], sourceRoot = 'functions'): AwsCallAnalyzer {
  const configFile = ts.readConfigFile(join(projectRoot, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, projectRoot);
  const program = ts.createProgram({ rootNames: entries.map((e) => join(projectRoot, e)), options: { ...options, noEmit: true } });
  const checker = program.getTypeChecker();
  const sourceDir = join(projectRoot, sourceRoot);
  const inSources = (file: ts.SourceFile) => !file.isDeclarationFile && !relative(sourceDir, file.fileName).startsWith('..');

  // Every member of every class in the sources, by name: the implementations of an interface member.
  const classMembersByName = new Map<string, ts.Declaration[]>();
  for (const file of program.getSourceFiles().filter(inSources)) {
    const collect = (node: ts.Node): void => {
      if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.members) {
        for (const member of node.members) {
          const name = member.name && (ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name)) ? member.name.text : undefined;
          if (name) classMembersByName.set(name, [...(classMembersByName.get(name) ?? []), member]);
        }
      }
      ts.forEachChild(node, collect);
    };
    collect(file);
  }

  function sdkAction(declaration: ts.Declaration, name: string): string | undefined {
    const match = /[\\/]@aws-sdk[\\/](client-[a-z0-9-]+)[\\/]/.exec(declaration.getSourceFile().fileName);
    const prefix = match ? SERVICE_PREFIX[match[1]!] : undefined;
    const operation = /^([A-Z][A-Za-z0-9]*)Command$/.exec(name)?.[1];
    return prefix && operation ? `${prefix}:${operation}` : undefined;
  }

  function resolve(node: ts.Identifier | ts.PrivateIdentifier): ts.Symbol | undefined {
    let symbol =
      ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol;
  }

  function label(node: ts.Node): string {
    const file = relative(projectRoot, node.getSourceFile().fileName);
    const named = node as ts.Node & { name?: ts.Node };
    const own = named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name)) ? named.name.text : ts.isConstructorDeclaration(node) ? 'constructor' : undefined;
    const owner = node.parent && (ts.isClassDeclaration(node.parent) || ts.isClassExpression(node.parent)) && node.parent.name ? `${node.parent.name.text}.` : '';
    return own ? `${owner}${own} (${file})` : file;
  }

  function callsOf(entry: string): AwsCalls {
    const entryFile = program.getSourceFile(join(projectRoot, entry));
    if (!entryFile) throw new Error(`${entry} is not in the program`);
    const actions = new Set<string>();
    const via = new Map<string, string[]>();
    const sites = new Map<string, Set<string>>();
    const calls = new Map<string, Set<string>>();
    const parent = new Map<Body, Body | undefined>();
    const queue: Body[] = [];
    const filesStarted = new Set<ts.SourceFile>();

    const chainOf = (body: Body): string[] => {
      const chain: string[] = [];
      for (let at: Body | undefined = body; at; at = parent.get(at)) chain.unshift(label(at));
      return chain;
    };
    const enqueue = (body: Body, from: Body | undefined) => {
      const callee = label(body);
      if (from) calls.set(label(from), (calls.get(label(from)) ?? new Set()).add(callee));
      if (!calls.has(callee)) calls.set(callee, new Set());
      if (parent.has(body)) return;
      parent.set(body, from);
      queue.push(body);
    };

    /** A module's side effects run on import: its top-level statements that are not declarations. */
    const startFile = (file: ts.SourceFile, from: Body | undefined) => {
      if (filesStarted.has(file)) return;
      filesStarted.add(file);
      for (const statement of file.statements) {
        if (ts.isExpressionStatement(statement) || ts.isIfStatement(statement) || ts.isForOfStatement(statement) || ts.isForStatement(statement)) enqueue(statement, from);
        if (ts.isVariableStatement(statement) && file === entryFile) enqueue(statement, from);
        if (ts.isVariableStatement(statement) && file !== entryFile) {
          for (const declaration of statement.declarationList.declarations) {
            const init = declaration.initializer;
            if (init && (ts.isCallExpression(init) || ts.isNewExpression(init) || ts.isAwaitExpression(init))) enqueue(declaration, from);
          }
        }
        if (ts.isExportAssignment(statement)) enqueue(statement, from);
      }
    };

    const follow = (declaration: ts.Declaration, name: string, from: Body) => {
      const file = declaration.getSourceFile();
      if (file.isDeclarationFile) {
        const action = sdkAction(declaration, name);
        if (action && !actions.has(action)) {
          actions.add(action);
          via.set(action, chainOf(from));
        }
        if (action) sites.set(action, (sites.get(action) ?? new Set()).add(label(from)));
        return;
      }
      if (!inSources(file)) return;
      startFile(file, from);
      if (ts.isPropertySignature(declaration) || ts.isMethodSignature(declaration)) {
        for (const member of classMembersByName.get(name) ?? []) enqueue(member, from);
        return;
      }
      if (ts.isBindingElement(declaration)) {
        // `const { x } = value`: x is the property of value's type.
        const property = checker.getTypeAtLocation(declaration.parent).getProperty(name);
        for (const d of property?.declarations ?? []) follow(d, name, from);
        return;
      }
      if (ts.isParameter(declaration) || ts.isSourceFile(declaration) || ts.isModuleDeclaration(declaration)) return;
      if (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration) || ts.isTypeParameterDeclaration(declaration)) return;
      enqueue(declaration, from);
    };

    const walk = (node: ts.Node, body: Body): void => {
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isImportDeclaration(node)) return;
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
        const symbol = resolve(node);
        for (const declaration of symbol?.declarations ?? []) follow(declaration, node.text, body);
        return;
      }
      ts.forEachChild(node, (child) => walk(child, body));
    };

    /** What runs when `body` runs (or is constructed). Nested functions count: they may be called from it. */
    const run = (body: Body): void => {
      if (ts.isClassDeclaration(body) || ts.isClassExpression(body)) {
        for (const clause of body.heritageClauses ?? []) for (const type of clause.types) walk(type.expression, body);
        for (const member of body.members) {
          if (ts.isConstructorDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) walk(member, body);
          else if (ts.isPropertyDeclaration(member) && member.initializer) walk(member.initializer, body);
        }
        return;
      }
      if (ts.isVariableDeclaration(body) || ts.isPropertyDeclaration(body) || ts.isPropertyAssignment(body)) {
        if (body.initializer) walk(body.initializer, body);
        return;
      }
      if (ts.isEnumDeclaration(body) || ts.isEnumMember(body)) return;
      ts.forEachChild(body, (child) => walk(child, body));
    };

    startFile(entryFile, undefined);
    while (queue.length > 0) run(queue.shift()!);
    return { actions, via, sites, calls };
  }

  return { callsOf };
}
