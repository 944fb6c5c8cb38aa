namespace Interrogate.Nn;

/// <summary>A module that only groups children under a name ("layers.0"), as nn.ModuleList does.</summary>
public sealed class Container : Module
{
    public T Add<T>(string name, T module) where T : Module => AddModule(name, module);
    public HookPoint Hook(string name) => AddHookPoint(name);
}
