import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice, Loading } from '../ui/components.js';

type Loader<P> = () => Promise<ComponentType<P>>;

/**
 * A view whose code is fetched when first shown, so the overview's first paint loads only the
 * overview. The loaded component is kept for later visits.
 */
export function lazyView<P extends object>(what: string, load: Loader<P>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function LazyView(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<unknown>();
    useEffect(() => {
      if (loaded) return;
      load().then(
        (value) => {
          loaded = value;
          setComponent(() => value);
        },
        (failure: unknown) => setError(failure),
      );
    }, []);
    if (error) return <ErrorNotice error={error} title={`The ${what} page could not be loaded.`} />;
    if (!component) return <Loading what={what} />;
    const View = component;
    return <View {...props} />;
  };
}
