using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Everything the compiler knows about one op, defined in one place: signature, attributes with
/// defaults, shape/type inference, reference kernel, fusion kind, and the import rules that bring
/// older opset forms to this one. Later layers attach gradient rules and lowerings here too.
/// Built fluently: <c>r.Add("Relu").In("X").Out("Y").Infer(…).Kernel(…)</c>.
/// </summary>
public sealed partial class OpSchema
{
    private readonly List<ParamSpec> _inputs = new();
    private readonly List<ParamSpec> _outputs = new();
    private readonly Dictionary<string, AttrSpec> _attributes = new(StringComparer.Ordinal);
    private readonly List<VersionedImportRule> _importRules = new();

    public OpSchema(string domain, string name)
    {
        Domain = domain;
        Name = name;
        Defaults = new AttributeMap { Owner = name };
    }

    public string Domain { get; }

    public string Name { get; }

    /// <summary>The ONNX opset version whose semantics our canonical form follows.</summary>
    public int Version { get; private set; } = 1;

    public IReadOnlyList<ParamSpec> Inputs => _inputs;

    public IReadOnlyList<ParamSpec> Outputs => _outputs;

    public IReadOnlyDictionary<string, AttrSpec> Attributes => _attributes;

    public AttributeMap Defaults { get; }

    public TypeInference? Inference { get; private set; }

    public Kernel? Kernel { get; private set; }

    public GraphKernel? GraphKernel { get; private set; }

    public FusionKind Fusion { get; private set; } = FusionKind.Opaque;

    /// <summary>Deterministic: same inputs, same outputs, no side effects (so it may be folded/CSE'd).</summary>
    public bool IsPure { get; private set; } = true;

    /// <summary>Outputs depend only on the input shapes (Shape, Size), so a static input type makes them constant.</summary>
    public bool ReadsOnlyInputShapes { get; private set; }

    /// <summary>Attributes not declared here are accepted (ops with open-ended attributes).</summary>
    public bool AllowsUnknownAttributes { get; private set; }

    public IReadOnlyList<VersionedImportRule> ImportRules => _importRules;

    /// <summary>Extension slots for later layers (gradient rule, lowerings), keyed by a type.</summary>
    public Dictionary<Type, object> Extensions { get; } = new();

    public string QualifiedName => Domain.Length == 0 ? Name : Domain + "::" + Name;

    public OpSchema Since(int version)
    {
        Version = version;
        return this;
    }

    public OpSchema In(params string[] specs)
    {
        foreach (var s in specs) _inputs.Add(ParamSpec.Parse(s));
        return this;
    }

    public OpSchema Out(params string[] specs)
    {
        foreach (var s in specs) _outputs.Add(ParamSpec.Parse(s));
        return this;
    }

    /// <summary>An optional attribute with a default value (long, float, string, long[], float[], string[]).</summary>
    public OpSchema Attr(string name, object defaultValue)
    {
        var type = defaultValue switch
        {
            int or long => AttrType.Int,
            float or double => AttrType.Float,
            string => AttrType.String,
            int[] or long[] => AttrType.Ints,
            float[] or double[] => AttrType.Floats,
            string[] => AttrType.Strings,
            Tensor => AttrType.Tensor,
            _ => throw new ArgumentException($"{Name}.{name}: unsupported default {defaultValue.GetType().Name}"),
        };
        _attributes[name] = new AttrSpec(name, type, defaultValue, false);
        Defaults.Set(name, defaultValue);
        return this;
    }

    /// <summary>An optional attribute with no default (absence has meaning).</summary>
    public OpSchema OptionalAttr(string name, AttrType type)
    {
        _attributes[name] = new AttrSpec(name, type, null, false);
        return this;
    }

    public OpSchema RequiredAttr(string name, AttrType type)
    {
        _attributes[name] = new AttrSpec(name, type, null, true);
        return this;
    }

    public OpSchema Infer(TypeInference inference)
    {
        Inference = inference;
        return this;
    }

    public OpSchema WithKernel(Kernel kernel)
    {
        Kernel = kernel;
        return this;
    }

    public OpSchema WithGraphKernel(GraphKernel kernel)
    {
        GraphKernel = kernel;
        return this;
    }

    public OpSchema Fuses(FusionKind kind)
    {
        Fusion = kind;
        return this;
    }

    public OpSchema Impure()
    {
        IsPure = false;
        return this;
    }

    public OpSchema ShapeOnly()
    {
        ReadsOnlyInputShapes = true;
        return this;
    }

    public OpSchema OpenAttributes()
    {
        AllowsUnknownAttributes = true;
        return this;
    }

    /// <summary>Registers how to upgrade a node from an opset older than <paramref name="introducedIn"/>.</summary>
    public OpSchema Upgrade(int introducedIn, string description, ImportRule rule)
    {
        _importRules.Add(new VersionedImportRule(introducedIn, rule, description));
        _importRules.Sort((a, b) => a.IntroducedIn.CompareTo(b.IntroducedIn));
        return this;
    }

    /// <summary>Minimum number of inputs a node must have.</summary>
    public int MinInputs => _inputs.Count(p => !p.Optional) == 0 ? 0 : _inputs.FindLastIndex(p => !p.Optional) + 1;

    /// <summary>Maximum number of inputs (int.MaxValue when variadic).</summary>
    public int MaxInputs => _inputs.Any(p => p.Variadic) ? int.MaxValue : _inputs.Count;

    public int MaxOutputs => _outputs.Any(p => p.Variadic) ? int.MaxValue : _outputs.Count;

    public override string ToString() => QualifiedName;
}
