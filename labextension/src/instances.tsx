/** The Monitoring tab's list of monitored instances (a stage's model-server processes, a batch run's workers). */
import React from 'react';

import { Json } from './api';

export function Instances(props: { instances: Json[] | undefined }): JSX.Element | null {
  const instances = props.instances || [];
  if (!instances.length) {
    return null;
  }
  return (
    <table className="jp-EasyMaker-table jp-EasyMaker-instances" aria-label="Monitored instances">
      <thead>
        <tr>
          <th>Instance</th>
          <th>CPU (%)</th>
          <th>Memory (MiB)</th>
          <th>Sampled</th>
        </tr>
      </thead>
      <tbody>
        {instances.map(instance => (
          <tr key={instance.instanceName}>
            <td>{instance.instanceName}</td>
            <td>{Number(instance.cpuPercent).toFixed(1)}</td>
            <td>{(Number(instance.memoryBytes) / 2 ** 20).toFixed(0)}</td>
            <td>{instance.latestTime}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
