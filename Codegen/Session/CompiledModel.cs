using System.Diagnostics;
using System.Runtime.Loader;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// A model compiled by the Roslyn CPU backend, used like an ONNX Runtime session: <see cref="Compile"/> once,
/// <see cref="Run(IReadOnlyDictionary{string, Tensor})"/> many times from any number of threads (each
/// concurrent call takes its own arena from a lock-free pool), <see cref="Dispose"/> to free the weights'
/// native copy and unload the generated code. <see cref="Run(Tensor[], Tensor[])"/> with preallocated outputs
/// allocates no managed memory when the model has no reference-kernel fallbacks.
/// </summary>
public sealed class CompiledModel : IDisposable
{
    private readonly EmittedModel _emitted;
    private readonly ArenaPool _arenas;
    private readonly IDisposable _instance;
    private readonly Action<Tensor[], Tensor[], IntPtr, long> _invoke;
    private AssemblyLoadContext? _context;
    private int _active;
    private volatile bool _disposed;

    private CompiledModel(EmittedModel emitted, AssemblyLoadContext context, IDisposable instance, Action<Tensor[], Tensor[], IntPtr, long> invoke,
        int threads, bool fromCache, bool imageFromCache, TimeSpan compileTime)
    {
        _emitted = emitted;
        _context = context;
        _instance = instance;
        _invoke = invoke;
        Threads = threads;
        FromCache = fromCache;
        ImageFromCache = imageFromCache;
        CompileTime = compileTime;
        _arenas = new ArenaPool(emitted.ArenaLength, Math.Max(2, 2 * Environment.ProcessorCount));
    }

    /// <summary>The generated C#.</summary>
    public string Source => _emitted.Source;

    /// <summary>The emitter's output (source, weights, signatures) — what an AOT build needs.</summary>
    public EmittedModel Emitted => _emitted;

    /// <summary>Which nodes became generated code and which fell back to reference kernels; arena numbers.</summary>
    public CodegenReport Report => _emitted.Report;

    public IReadOnlyList<TensorSignature> Inputs => _emitted.Inputs;

    public IReadOnlyList<TensorSignature> Outputs => _emitted.Outputs;

    /// <summary>Bytes of one run's arena (intermediates + scratch + alignment slack).</summary>
    public long ArenaLength => _emitted.ArenaLength;

    public int Threads { get; }

    /// <summary>True when the whole compile came from the in-process cache (neither the emitter nor Roslyn ran).</summary>
    public bool FromCache { get; }

    /// <summary>True when Roslyn did not run (the same source was compiled before, e.g. same structure, other weights).</summary>
    public bool ImageFromCache { get; }

    public TimeSpan CompileTime { get; }

    /// <summary>
    /// Compiles an optimized graph with static shapes. The graph must not change afterwards while this
    /// model is in use (weights and kernels are shared, not copied). Cached by a hash of the graph (structure,
    /// constants, weights) and the options: compiling the same model again costs a hash and an assembly load.
    /// </summary>
    public static CompiledModel Compile(Graph.Graph graph, CodegenOptions? options = null) => Compile(graph, options, null);

    /// <summary>Compiles with another set of lowerings (e.g. to exercise fallbacks); null = <see cref="Lowering.CpuLoweringRegistry.Default"/>.</summary>
    public static CompiledModel Compile(Graph.Graph graph, CodegenOptions? options, Lowering.CpuLoweringRegistry? registry)
    {
        options ??= new CodegenOptions();
        registry ??= Lowering.CpuLoweringRegistry.Default;
        var sw = Stopwatch.StartNew();
        string key = CompileCache.Key(graph, options) + (registry == Lowering.CpuLoweringRegistry.Default ? "" : ":" + registry.Id.ToString("N"));
        var emitted = CompileCache.GetOrEmit(key, () => CSharpEmitter.Emit(graph, options, registry), out bool fromCache);
        var image = RoslynCompiler.GetOrCompile(RoslynCompiler.SourceKey(emitted.Source), () => emitted.Source, out bool imageFromCache);
        var (context, assembly) = RoslynCompiler.Load(image);
        try
        {
            var type = assembly.GetType(EmittedModel.TypeName) ?? throw new EngineException("cpu backend: generated assembly lacks its class");
            int threads = Math.Max(1, options.Threads);
            object instance;
            try
            {
                instance = Activator.CreateInstance(type, emitted.Weights, emitted.Kernels, threads)!;
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is EngineException inner)
            {
                throw inner;
            }
            var method = type.GetMethod("Invoke") ?? throw new EngineException("cpu backend: generated class lacks Invoke");
            var invoke = method.CreateDelegate<Action<Tensor[], Tensor[], IntPtr, long>>(instance);
            return new CompiledModel(emitted, context, (IDisposable)instance, invoke, threads, fromCache, imageFromCache, sw.Elapsed);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    /// <summary>Runs with inputs by graph-input name; returns every graph output by name (allocates the outputs).</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var args = BindInputs(inputs);
        var outs = new Tensor[Outputs.Count];
        for (int k = 0; k < outs.Length; k++) outs[k] = Tensor.Zeros(Outputs[k].Type, (int[])Outputs[k].Shape.Clone());
        Run(args, outs);
        var result = new Dictionary<string, Tensor>();
        for (int k = 0; k < outs.Length; k++) result[Outputs[k].Name] = outs[k];
        return result;
    }

    /// <summary>Runs with inputs and preallocated outputs by name (ORT's IOBinding style): results are written into <paramref name="outputs"/>.</summary>
    public void Run(IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor> outputs)
    {
        foreach (var name in outputs.Keys)
        {
            if (!Outputs.Any(s => s.Name == name))
                throw new EngineException($"compiled model has no output named '{name}' (outputs: {string.Join(", ", Outputs.Select(s => s.Name))})");
        }
        var outs = new Tensor[Outputs.Count];
        for (int k = 0; k < outs.Length; k++)
            outs[k] = outputs.TryGetValue(Outputs[k].Name, out var t) ? t : throw new EngineException($"output '{Outputs[k].Name}' was not given");
        Run(BindInputs(inputs), outs);
    }

    /// <summary>
    /// Runs with inputs and outputs in signature order (<see cref="Inputs"/>, <see cref="Outputs"/>); outputs are
    /// preallocated tensors of the exact types and shapes and are overwritten. Allocates no managed memory when
    /// the model has no reference-kernel fallbacks. Safe to call from several threads at once.
    /// </summary>
    public void Run(Tensor[] inputs, Tensor[] outputs)
    {
        Check(inputs, Inputs, "input");
        Check(outputs, Outputs, "output");
        Interlocked.Increment(ref _active);
        if (_disposed)
        {
            Interlocked.Decrement(ref _active);
            throw new ObjectDisposedException(nameof(CompiledModel));
        }
        nint arena = 0;
        try
        {
            arena = _arenas.Rent();
            _invoke(inputs, outputs, arena, _arenas.Length);
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
        finally
        {
            if (arena != 0) _arenas.Return(arena);
            Interlocked.Decrement(ref _active);
        }
    }

    private Tensor[] BindInputs(IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var name in inputs.Keys)
        {
            if (!Inputs.Any(s => s.Name == name))
                throw new EngineException($"compiled model has no input named '{name}' (inputs: {string.Join(", ", Inputs.Select(s => s.Name))})");
        }
        var args = new Tensor[Inputs.Count];
        for (int i = 0; i < args.Length; i++)
            args[i] = inputs.TryGetValue(Inputs[i].Name, out var t) ? t : throw new EngineException($"input '{Inputs[i].Name}' was not given");
        return args;
    }

    private static void Check(Tensor[] given, IReadOnlyList<TensorSignature> sigs, string what)
    {
        if (given is null || given.Length != sigs.Count)
            throw new EngineException($"compiled model takes {sigs.Count} {what}(s), got {given?.Length ?? 0}");
        for (int i = 0; i < given.Length; i++)
        {
            var t = given[i];
            var s = sigs[i];
            if (t is null || t.Type != s.Type || !t.Shape.AsSpan().SequenceEqual(s.Shape))
                throw new EngineException($"{what} '{s.Name}' expects {DataTypes.ShortName(s.Type)}{Tensor.ShapeString(s.Shape)} but got {(t is null ? "null" : t.ToString())}");
        }
    }

    /// <summary>Waits for running calls, frees the weights' native copy and the arenas, unloads the generated assembly.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var spin = new SpinWait();
        while (Volatile.Read(ref _active) > 0) spin.SpinOnce();
        _instance.Dispose();
        _arenas.Dispose();
        Interlocked.Exchange(ref _context, null)?.Unload();
    }
}
