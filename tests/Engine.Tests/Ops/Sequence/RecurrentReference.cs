namespace Engine.Tests.Ops;

/// <summary>
/// A deliberately plain, double-precision transcription of the ONNX RNN/GRU/LSTM equations
/// (one dot product per gate element), to check the GEMM-based kernels against. Layout 0 only.
/// </summary>
internal sealed class RecurrentReference
{
    public required string Op;
    public required int Seq, Batch, Input, Hidden;
    public string Direction = "forward";
    public required float[] X, W, R;
    public float[]? B, H0, C0, P;
    public int[]? Lens;
    public Func<double, double>[]? Activations;
    public double Clip = double.PositiveInfinity;
    public bool LinearBeforeReset, InputForget;

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private int Gates => Op switch { "RNN" => 1, "GRU" => 3, _ => 4 };

    private int Dirs => Direction == "bidirectional" ? 2 : 1;

    public (double[] Y, double[] Yh, double[] Yc) Run()
    {
        int h = Hidden, g = Gates, dirs = Dirs;
        var y = new double[Seq * dirs * Batch * h];
        var yh = new double[dirs * Batch * h];
        var yc = new double[dirs * Batch * h];
        int perDir = Op switch { "RNN" => 1, "GRU" => 2, _ => 3 };
        for (int d = 0; d < dirs; d++)
        {
            Func<double, double>[] defaults = Op switch
            {
                "RNN" => [Math.Tanh],
                "GRU" => [Sigmoid, Math.Tanh],
                _ => [Sigmoid, Math.Tanh, Math.Tanh],
            };
            var act = Activations is null ? defaults : Activations.Skip(d * perDir).Take(perDir).ToArray();
            double Cl(double v) => Math.Clamp(v, -Clip, Clip);
            bool reverse = Direction == "reverse" || d == 1;
            for (int b = 0; b < Batch; b++)
            {
                int len = Lens?[b] ?? Seq;
                var hs = new double[h];
                var cs = new double[h];
                for (int j = 0; j < h; j++)
                {
                    hs[j] = H0?[(d * Batch + b) * h + j] ?? 0;
                    cs[j] = C0?[(d * Batch + b) * h + j] ?? 0;
                }
                for (int step = 0; step < len; step++)
                {
                    int t = reverse ? len - 1 - step : step;
                    // Wx + Wb, Rh + Rb for gate k, element j.
                    double Wx(int k, int j)
                    {
                        double s = B?[d * 2 * g * h + k * h + j] ?? 0;
                        for (int i = 0; i < Input; i++) s += W[(d * g * h + k * h + j) * Input + i] * X[(t * Batch + b) * Input + i];
                        return s;
                    }
                    double Rh(int k, int j, double[] state)
                    {
                        double s = B?[d * 2 * g * h + g * h + k * h + j] ?? 0;
                        for (int i = 0; i < h; i++) s += R[(d * g * h + k * h + j) * h + i] * state[i];
                        return s;
                    }
                    var nh = new double[h];
                    var nc = new double[h];
                    if (Op == "RNN")
                    {
                        for (int j = 0; j < h; j++) nh[j] = act[0](Cl(Wx(0, j) + Rh(0, j, hs)));
                    }
                    else if (Op == "GRU")
                    {
                        var z = new double[h];
                        var r = new double[h];
                        for (int j = 0; j < h; j++)
                        {
                            z[j] = act[0](Cl(Wx(0, j) + Rh(0, j, hs)));
                            r[j] = act[0](Cl(Wx(1, j) + Rh(1, j, hs)));
                        }
                        var rh = hs.Select((v, i) => v * r[i]).ToArray();
                        for (int j = 0; j < h; j++)
                        {
                            double cand = LinearBeforeReset ? act[1](Cl(Wx(2, j) + r[j] * Rh(2, j, hs))) : act[1](Cl(Wx(2, j) + Rh(2, j, rh)));
                            nh[j] = (1 - z[j]) * cand + z[j] * hs[j];
                        }
                    }
                    else
                    {
                        for (int j = 0; j < h; j++)
                        {
                            double pi = P?[d * 3 * h + j] ?? 0, po = P?[d * 3 * h + h + j] ?? 0, pf = P?[d * 3 * h + 2 * h + j] ?? 0;
                            double it = act[0](Cl(Wx(0, j) + Rh(0, j, hs) + pi * cs[j]));
                            double ft = InputForget ? 1 - it : act[0](Cl(Wx(2, j) + Rh(2, j, hs) + pf * cs[j]));
                            double ct = act[1](Cl(Wx(3, j) + Rh(3, j, hs)));
                            nc[j] = ft * cs[j] + it * ct;
                            double ot = act[0](Cl(Wx(1, j) + Rh(1, j, hs) + po * nc[j]));
                            nh[j] = ot * act[2](nc[j]);
                        }
                        cs = nc;
                    }
                    hs = nh;
                    for (int j = 0; j < h; j++) y[((t * dirs + d) * Batch + b) * h + j] = hs[j];
                }
                for (int j = 0; j < h; j++)
                {
                    yh[(d * Batch + b) * h + j] = hs[j];
                    yc[(d * Batch + b) * h + j] = cs[j];
                }
            }
        }
        return (y, yh, yc);
    }
}
