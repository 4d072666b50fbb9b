using System.Diagnostics;
using System.Runtime.Loader;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// A model compiled by the Roslyn CPU backend, used like an ONNX Runtime session: compile once,
/// <see cref="Run"/> many times (from any number of threads: every call has its own buffers),
/// Dispose to unload the generated code.
/// </summary>
public sealed class CompiledModel : IDisposable
{
    private readonly EmittedModel _emitted;
    private AssemblyLoadContext? _context;
    private Action<Tensor[], Tensor[]>? _invoke;

    private CompiledModel(EmittedModel emitted, AssemblyLoadContext context, Action<Tensor[], Tensor[]> invoke, bool fromCache, TimeSpan compileTime)
    {
        _emitted = emitted;
        _context = context;
        _invoke = invoke;
        FromCache = fromCache;
        CompileTime = compileTime;
    }

    /// <summary>The generated C#.</summary>
    public string Source => _emitted.Source;

    /// <summary>Which nodes became loops and which fell back to reference kernels.</summary>
    public CodegenReport Report => _emitted.Report;

    public IReadOnlyList<TensorSignature> Inputs => _emitted.Inputs;

    public IReadOnlyList<TensorSignature> Outputs => _emitted.Outputs;

    /// <summary>True when the assembly came from the in-process cache (Roslyn did not run).</summary>
    public bool FromCache { get; }

    public TimeSpan CompileTime { get; }

    /// <summary>
    /// Compiles an optimized graph with static shapes. The graph must not change afterwards while
    /// this model is in use (its weights and attribute maps are shared, not copied).
    /// </summary>
    public static CompiledModel Compile(Graph.Graph graph, CodegenOptions? options = null)
    {
        options ??= new CodegenOptions();
        var sw = Stopwatch.StartNew();
        var emitted = CSharpEmitter.Emit(graph, options);
        // Large tensors print as a hash: the source never contains weights, only shapes and small constants.
        string key = RoslynCompiler.Key(IrPrinter.Print(graph, elideTensorsAbove: 64), options);
        var image = RoslynCompiler.GetOrCompile(key, () => emitted.Source, out bool fromCache);
        var (context, assembly) = RoslynCompiler.Load(image);
        try
        {
            var type = assembly.GetType(EmittedModel.TypeName) ?? throw new EngineException("cpu backend: generated assembly lacks its class");
            var instance = Activator.CreateInstance(type, emitted.Weights, emitted.Kernels, emitted.Contexts)!;
            var method = type.GetMethod("Invoke") ?? throw new EngineException("cpu backend: generated class lacks Invoke");
            var invoke = method.CreateDelegate<Action<Tensor[], Tensor[]>>(instance);
            return new CompiledModel(emitted, context, invoke, fromCache, sw.Elapsed);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    /// <summary>Runs with inputs by graph-input name; returns every graph output by name.</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var invoke = _invoke ?? throw new ObjectDisposedException(nameof(CompiledModel));
        foreach (var name in inputs.Keys)
        {
            if (!Inputs.Any(s => s.Name == name))
                throw new EngineException($"compiled model has no input named '{name}' (inputs: {string.Join(", ", Inputs.Select(s => s.Name))})");
        }
        var args = new Tensor[Inputs.Count];
        for (int i = 0; i < args.Length; i++)
        {
            var sig = Inputs[i];
            if (!inputs.TryGetValue(sig.Name, out var t)) throw new EngineException($"input '{sig.Name}' was not given");
            if (t.Type != sig.Type || !t.Shape.AsSpan().SequenceEqual(sig.Shape))
                throw new EngineException($"input '{sig.Name}' expects {DataTypes.ShortName(sig.Type)}{Tensor.ShapeString(sig.Shape)} but got {t}");
            args[i] = t;
        }
        var outs = Outputs.Select(o => Tensor.Zeros(o.Type, (int[])o.Shape.Clone())).ToArray();
        try
        {
            invoke(args, outs);
        }
        catch (EngineException)
        {
            throw;
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidCastException
                                   or OverflowException or NullReferenceException or InvalidOperationException
                                   or DivideByZeroException or RankException)
        {
            throw new EngineException($"compiled model failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}", e);
        }
        var result = new Dictionary<string, Tensor>();
        for (int k = 0; k < outs.Length; k++) result[Outputs[k].Name] = outs[k];
        return result;
    }

    /// <summary>Unloads the generated assembly (once no call is running).</summary>
    public void Dispose()
    {
        _invoke = null;
        Interlocked.Exchange(ref _context, null)?.Unload();
    }
}
